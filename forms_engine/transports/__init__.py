"""Transport plugins: how a case reaches the authority responsible for it.

    from forms_engine.transports import registry, transport_for
    transport = registry.get(activation.transport)(options=activation.transport_options)
    transport.deliver(case=case, casefile=document)

The Activation of (process, municipality) names the plugin id (`Activation.transport`,
stored forever) and its options (`Activation.transport_options`, validated with
`registry.validate_options`). Built in: `inbox` (the clerk inbox of this installation).
"""

from forms_engine.core.registry import Registry

from .base import Transport, TransportError

registry = Registry("transports")

# Backends register themselves on import; importing them here makes every id known
# wherever the registry is used.
from .backends import inbox  # noqa: E402, F401 - registration side effect, after `registry`

__all__ = ["Transport", "TransportError", "registry"]
