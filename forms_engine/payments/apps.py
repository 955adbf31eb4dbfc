from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "forms_engine.payments"
    label = "payments"

    def ready(self) -> None:
        # cases is below payments: case_submit reaches the payment gate through a hook.
        from forms_engine.cases.hooks import register_payment_hooks

        from .services import payment_gate, payment_record_on_case

        register_payment_hooks(gate=payment_gate, record=payment_record_on_case)
