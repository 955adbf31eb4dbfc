"""Payment plugins (XBezahldienste clients) and the engine's payment flow.

    from forms_engine.payments import registry
    provider = registry.get(binding.backend)(options=binding.options)
    provider.create(request_payload=...)  /  provider.status(transaction_id=...)

The Activation of (process, municipality) names the plugin (`payment_backend`, stored
forever) and its binding (`payment_options`). Built in: `xbezahldienste` (any endpoint),
`demo` (the engine's own stand-in, only with ENABLE_DEMO_BACKENDS).
The flow the citizen pages and `case_submit` use lives in `services.py`.
"""

# Backends register themselves on import; importing them here makes every id known.
from .backends import demo, xbezahldienste  # noqa: E402, F401 - registration side effect
from .base import PaymentError, PaymentProvider, ProviderTransaction, registry

__all__ = ["PaymentError", "PaymentProvider", "ProviderTransaction", "registry"]
