from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "forms_engine.payments"
    label = "payments"
