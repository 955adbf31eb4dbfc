"""Transport plugins: how a case reaches the authority responsible for it.

    from forms_engine.transports import registry, transport_for
    transport = registry.get(activation.transport)(options=activation.transport_options)
    transport.deliver(case=case, casefile=document)

The Activation of (process, municipality) names the plugin id (`Activation.transport`,
stored forever) and its options (`Activation.transport_options`, validated with
`registry.validate_options`). Built in: `inbox` (the clerk inbox of this installation) and `fitconnect`
(FIT-Connect, a remote transport: see base.Transport.remote).
"""

from forms_engine.core.registry import Registry

from .base import DeliveryStore, RemoteEvent, Transport, TransportError

registry = Registry("transports")

# Backends register themselves on import; importing them here makes every id known
# wherever the registry is used.
# (The FIT-Connect plugin under another name: `transports.fitconnect` is the SDK package.)
from .backends import fitconnect as _fitconnect_plugin  # noqa: E402, F401 - registration
from .backends import inbox  # noqa: E402, F401 - registration side effect, after `registry`

__all__ = ["DeliveryStore", "RemoteEvent", "Transport", "TransportError", "registry"]
