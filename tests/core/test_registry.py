import pytest

from forms_engine.core.registry import PluginNotFound, Registry


def make_registry():
    registry = Registry("demo")

    @registry("echo")
    class Echo:
        options_schema = {
            "type": "object",
            "required": ["address"],
            "properties": {"address": {"type": "string", "format": "email"}},
            "additionalProperties": False,
        }

    return registry, Echo


def test_a_registered_plugin_is_found_by_its_id():
    registry, echo = make_registry()

    assert registry.get("echo") is echo
    assert echo.plugin_id == "echo"
    assert list(registry) == ["echo"]


def test_an_unknown_plugin_id_is_a_clear_error():
    registry, _ = make_registry()

    with pytest.raises(PluginNotFound) as info:
        registry.get("fax")

    assert "fax" in info.value.message


def test_options_are_checked_against_the_plugins_schema():
    registry, _ = make_registry()

    assert registry.validate_options("echo", {"address": "a@b.de"}) == []
    problems = registry.validate_options("echo", {"adress": "typo"})
    assert problems and all(p.message.startswith("Ungültige Option") for p in problems)


def test_registering_two_plugins_under_one_id_is_refused():
    registry, _ = make_registry()

    with pytest.raises(ValueError):

        @registry("echo")
        class Other:
            pass


def test_a_lower_layer_finds_a_plugin_registry_by_its_kind():
    from forms_engine.core.registry import registry_for
    from forms_engine.payments import registry as payments
    from forms_engine.transports import registry as transports

    assert registry_for("payments") is payments
    assert registry_for("transports") is transports
    assert "demo" in registry_for("payments")


def test_an_activation_with_an_unknown_payment_plugin_is_refused_by_clean(published_processes):
    import pytest
    from django.core.exceptions import ValidationError

    from forms_engine.catalog.models import Activation

    activation = Activation.objects.select_related("municipality", "authority").first()
    activation.payment_backend = "gibt-es-nicht"
    with pytest.raises(ValidationError) as info:
        activation.clean()
    assert "payment_backend" in info.value.message_dict
