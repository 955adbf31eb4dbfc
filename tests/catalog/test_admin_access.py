"""The admin access matrix: every admin URL of every relevant model against every role.

Roles (tests/catalog/municipal_admin.py): the superuser sees everything; the administrator
of Hafenstadt (A) manages Hafenstadt's profile, legal pages, authorities, clerks and
activations and sees nothing of Bergdorf (B), and the reverse; a clerk of A (no staff) and
an anonymous visitor are sent to the sign-in. A municipality administrator sees no case
and no payment in the admin. Refusals never carry the other municipality's data.
"""

from urllib.parse import urlparse

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from forms_engine.catalog.admin_access import (
    MUNICIPAL_ADMIN_GROUP,
    MUNICIPAL_ADMIN_PERMISSIONS,
    administered_municipalities,
    managed_clerks,
)
from forms_engine.catalog.models import Activation, Authority, LegalPage, Municipality
from tests.catalog.municipal_admin import logged_in

pytestmark = pytest.mark.django_db


def object_urls(town) -> dict[str, str]:
    """Admin URLs of one municipality's objects."""
    m, au, lp, ac = town.municipality, town.authority, town.legal_page, town.activation
    urls = {}
    for name, model, pk in (
        ("municipality", "catalog/municipality", m.pk),
        ("authority", "catalog/authority", au.pk),
        ("legalpage", "catalog/legalpage", lp.pk),
        ("activation", "catalog/activation", ac.pk),
        ("user", "auth/user", town.clerk.pk),
        ("case", "cases/case", town.case.pk),
    ):
        urls[f"{name}-change"] = f"/admin/{model}/{pk}/change/"
        urls[f"{name}-history"] = f"/admin/{model}/{pk}/history/"
        urls[f"{name}-delete"] = f"/admin/{model}/{pk}/delete/"
    urls["user-password"] = f"/admin/auth/user/{town.clerk.pk}/password/"
    urls["activation-version"] = f"/admin/catalog/activation/{ac.pk}/version/"
    return urls


# What a municipality administrator gets for the objects of their own municipality.
OWN = {
    f"{model}-{view}": 200
    for model in ("municipality", "authority", "legalpage", "activation", "user", "case")
    for view in ("change", "history", "delete", "password", "version")
} | {
    "municipality-delete": 403,  # only superusers delete municipalities
    "user-delete": 403,  # clerks are deactivated, never deleted
    "case-change": 403,  # no cases in the admin
    "case-history": 403,
    "case-delete": 403,
}

LIST_URLS = {
    "index": "/admin/",
    "catalog-app": "/admin/catalog/",
    "municipality-list": "/admin/catalog/municipality/",
    "authority-list": "/admin/catalog/authority/",
    "authority-popup": "/admin/catalog/authority/?_to_field=id&_popup=1",
    "authority-search": "/admin/catalog/authority/?q=Ordnungsamt",
    "authority-filter": "/admin/catalog/authority/?municipality__id__exact=1",
    "legalpage-list": "/admin/catalog/legalpage/",
    "activation-list": "/admin/catalog/activation/",
    "activation-search": "/admin/catalog/activation/?q=parkausweis",
    "user-list": "/admin/auth/user/",
    "user-search": "/admin/auth/user/?q=clerk",
    "authority-add": "/admin/catalog/authority/add/",
    "legalpage-add": "/admin/catalog/legalpage/add/",
    "activation-add": "/admin/catalog/activation/add/",
    "user-add": "/admin/auth/user/add/",
    "autocomplete-authority": (
        "/admin/autocomplete/?app_label=catalog&model_name=activation"
        "&field_name=authority&term=Ordnungsamt"
    ),
    "autocomplete-municipality": (
        "/admin/autocomplete/?app_label=catalog&model_name=legalpage&field_name=municipality&term="
    ),
    "autocomplete-clerks": (
        "/admin/autocomplete/?app_label=catalog&model_name=authority&field_name=clerks&term=clerk"
    ),
    "municipality-add": "/admin/catalog/municipality/add/",
    "case-list": "/admin/cases/case/",
    "payment-list": "/admin/payments/paymenttransaction/",
    "process-list": "/admin/catalog/processversion/",
    "group-list": "/admin/auth/group/",
}

# What a municipality administrator gets for the lists, adds and lookups.
ADMIN_LISTS = dict.fromkeys(LIST_URLS, 200) | {
    "municipality-add": 403,
    "case-list": 403,
    "payment-list": 403,
    "process-list": 403,
    "group-list": 403,
}


def body(response) -> str:
    return response.content.decode(errors="replace")


def assert_no_trace_of(town, response) -> None:
    text = body(response)
    assert town.municipality.name not in text
    assert town.case.reference not in text
    assert town.clerk.username not in text


def assert_refused(response, name: str) -> None:
    """Refused without data: 403/404, or the admin's redirect to its index."""
    assert response.status_code in (302, 403, 404), (name, response.status_code)
    if response.status_code == 302:
        assert urlparse(response["Location"]).path == "/admin/", name


def assert_sent_to_sign_in(response, name: str) -> None:
    assert response.status_code == 302, name
    assert urlparse(response["Location"]).path == "/admin/login/", name


# --- the municipality administrators ---------------------------------------------------------
# One test per role and direction walks every URL (a test per URL would set up the two
# municipalities hundreds of times); each failure names its URL.


def test_an_administrator_reaches_their_own_objects(towns):
    a = towns["a"]
    client = logged_in(a.admin)
    wrong = []
    for name, url in object_urls(a).items():
        response = client.get(url)
        if response.status_code != OWN[name]:
            wrong.append((name, response.status_code))
        assert_no_trace_of(towns["b"], response)
    assert wrong == []


@pytest.mark.parametrize(("viewer", "owner"), [("a", "b"), ("b", "a")])
def test_an_administrator_sees_nothing_of_the_other_municipality(towns, viewer, owner):
    client = logged_in(towns[viewer].admin)
    for name, url in object_urls(towns[owner]).items():
        response = client.get(url)
        assert_refused(response, name)
        if response.status_code == 302:
            assert_no_trace_of(towns[owner], client.get(response["Location"]))
        assert_no_trace_of(towns[owner], response)


@pytest.mark.parametrize(("viewer", "other"), [("a", "b"), ("b", "a")])
def test_lists_lookups_and_adds_show_only_the_own_municipality(towns, viewer, other):
    LogEntry.objects.log_actions(
        user_id=towns[other].admin.pk,
        queryset=[towns[other].activation],
        action_flag=CHANGE,
        change_message=f"Geändert in {towns[other].municipality.name}",
    )
    client = logged_in(towns[viewer].admin)
    wrong = []
    for name, url in LIST_URLS.items():
        url = url.replace(
            "municipality__id__exact=1", f"municipality__id__exact={towns[other].municipality.pk}"
        )
        response = client.get(url)
        if response.status_code != ADMIN_LISTS[name]:
            wrong.append((name, response.status_code))
            continue
        assert_no_trace_of(towns[other], response)
        if name in ("municipality-list", "authority-list", "activation-list", "legalpage-list"):
            assert towns[viewer].municipality.name in body(response), name
        if name.startswith("autocomplete") and name != "autocomplete-clerks":
            results = response.json()["results"]
            assert results, name
            assert all(towns[viewer].municipality.name in r["text"] for r in results), name
        if name in ("user-list", "user-search", "autocomplete-clerks"):
            assert towns[viewer].clerk.username in body(response), name
    assert wrong == []


def test_the_admin_index_shows_the_administration_models_only(towns):
    page = body(logged_in(towns["a"].admin).get("/admin/"))

    for label in ("Freischaltungen", "Behörden", "Rechtliche Seiten", "Kommunen", "Benutzer"):
        assert label in page
    for hidden in ("Anträge", "Zahlungsvorgänge", "Prozessversionen", "Gruppen"):
        assert hidden not in page


# --- other roles -----------------------------------------------------------------------------


def test_the_superuser_reaches_every_object_of_both(towns, admin_user):
    client = logged_in(admin_user)
    wrong = []
    for town in towns.values():
        for name, url in object_urls(town).items():
            expected = 403 if name == "case-delete" else 200  # cases are never deleted
            response = client.get(url)
            if response.status_code != expected:
                wrong.append((town.municipality.name, name, response.status_code))
    assert wrong == []


def test_the_superuser_sees_both_municipalities_in_the_lists(towns, admin_user):
    client = logged_in(admin_user)
    for name, url in LIST_URLS.items():
        if name == "authority-filter":
            continue
        response = client.get(url)
        assert response.status_code == 200, name
        if name in ("municipality-list", "authority-list", "activation-list", "legalpage-list"):
            assert "Hafenstadt" in body(response) and "Bergdorf" in body(response), name


@pytest.mark.parametrize("role", ["clerk", "anonymous"])
def test_clerks_and_anonymous_visitors_are_sent_to_the_sign_in(towns, role):
    client = logged_in(towns["a"].clerk) if role == "clerk" else Client()
    urls = {**object_urls(towns["a"]), **LIST_URLS}
    for name, url in urls.items():
        response = client.get(url)
        if name.startswith("autocomplete"):
            assert response.status_code in (302, 403), name
        else:
            assert_sent_to_sign_in(response, name)
        assert_no_trace_of(towns["a"], response)


# --- writes that would cross the line ----------------------------------------------------------


def activation_data(activation, **changes) -> dict:
    data = {
        "authority": activation.authority_id,
        "is_active": "on",
        "transport": "inbox",
        "payment_backend": "",
        "identity_backend": "",
        "identity_min_level": "",
        "param__ort": activation.parameter_values["ort"],
        "param__gebuehr": activation.parameter_values["gebuehr"].replace(".", ","),
        "param__zonen": "a | Zone A",
        "param__kontakt": "",
        "param__info": "",
        "param__gueltig_ab": "",
        "contact_text": "",
        "contact_text_en": "",
        "available_from_0": "",
        "available_from_1": "",
        "available_until_0": "",
        "available_until_1": "",
    }
    return {**data, **changes}


def test_an_activation_cannot_be_given_the_other_municipalitys_authority(towns):
    a, b = towns["a"], towns["b"]
    url = f"/admin/catalog/activation/{a.activation.pk}/change/"

    response = logged_in(a.admin).post(url, activation_data(a.activation, authority=b.authority.pk))

    assert response.status_code == 200
    assert "authority" in response.context["adminform"].form.errors
    a.activation.refresh_from_db()
    assert a.activation.authority == a.authority


def test_an_activation_cannot_be_moved_to_the_other_municipality(towns):
    a, b = towns["a"], towns["b"]
    url = f"/admin/catalog/activation/{a.activation.pk}/change/"

    response = logged_in(a.admin).post(
        url, activation_data(a.activation, municipality=b.municipality.pk)
    )

    assert response.status_code == 302  # saved, the municipality field is not part of it
    a.activation.refresh_from_db()
    assert a.activation.municipality == a.municipality


def test_no_authority_or_legal_page_is_created_in_the_other_municipality(towns):
    a, b = towns["a"], towns["b"]
    client = logged_in(a.admin)

    authority = client.post(
        "/admin/catalog/authority/add/",
        {"municipality": b.municipality.pk, "name": "Kuckucksamt", "slug": "kuckuck"},
    )
    page = client.post(
        "/admin/catalog/legalpage/add/",
        {"municipality": b.municipality.pk, "kind": "datenschutz", "body": "Kuckuck"},
    )

    assert authority.status_code == 200 and page.status_code == 200
    assert "municipality" in authority.context["adminform"].form.errors
    assert "municipality" in page.context["adminform"].form.errors
    assert not Authority.objects.filter(slug="kuckuck").exists()
    assert not LegalPage.objects.filter(body="Kuckuck").exists()


def test_the_other_municipalitys_clerk_cannot_be_assigned(towns):
    a, b = towns["a"], towns["b"]
    client = logged_in(a.admin)

    to_authority = client.post(
        f"/admin/catalog/authority/{a.authority.pk}/change/",
        {
            "municipality": a.municipality.pk,
            "name": a.authority.name,
            "slug": a.authority.slug,
            "clerks": [a.clerk.pk, b.clerk.pk],
        },
    )
    to_user = client.post(
        f"/admin/auth/user/{a.clerk.pk}/change/",
        {"username": a.clerk.username, "is_active": "on", "authorities": [b.authority.pk]},
    )

    assert "clerks" in to_authority.context["adminform"].form.errors
    assert "authorities" in to_user.context["adminform"].form.errors
    assert not a.authority.clerks.filter(pk=b.clerk.pk).exists()
    assert list(a.clerk.authorities.all()) == [a.authority]


def test_deleting_the_other_municipalitys_objects_is_refused(towns):
    a, b = towns["a"], towns["b"]
    client = logged_in(a.admin)

    client.post(f"/admin/catalog/activation/{b.activation.pk}/delete/", {"post": "yes"})
    client.post(f"/admin/catalog/legalpage/{b.legal_page.pk}/delete/", {"post": "yes"})
    client.post(
        "/admin/catalog/legalpage/",
        {"action": "delete_selected", "_selected_action": [b.legal_page.pk], "post": "yes"},
    )
    client.post(
        "/admin/catalog/activation/",
        {"action": "delete_selected", "_selected_action": [b.activation.pk], "post": "yes"},
    )

    assert Activation.objects.filter(pk=b.activation.pk).exists()
    assert LegalPage.objects.filter(pk=b.legal_page.pk).exists()


def test_the_own_legal_page_is_deleted_through_the_action(towns):
    a = towns["a"]

    logged_in(a.admin).post(
        "/admin/catalog/legalpage/",
        {"action": "delete_selected", "_selected_action": [a.legal_page.pk], "post": "yes"},
    )

    assert not LegalPage.objects.filter(pk=a.legal_page.pk).exists()


def test_the_profile_is_edited_but_slug_ars_and_host_stay(towns):
    a = towns["a"]
    url = f"/admin/catalog/municipality/{a.municipality.pk}/change/"
    data = {
        "name": "Hafenstadt an der See",
        "kind": "stadt",
        "slug": "gekapert",
        "ars": "099990000999",
        "host": "evil.example",
        "administrators": [towns["b"].admin.pk],
        "address": "Am Hafen 1",
        "phone": "",
        "email": "",
        "website": "",
        "postcodes": "",
        "places": "",
        "primary_color": "",
        "authorities-TOTAL_FORMS": "1",
        "authorities-INITIAL_FORMS": "1",
        "authorities-0-id": a.authority.pk,
        "authorities-0-municipality": a.municipality.pk,
        "authorities-0-name": a.authority.name,
        "authorities-0-slug": a.authority.slug,
        "authorities-0-email": "",
        "legal_pages-TOTAL_FORMS": "1",
        "legal_pages-INITIAL_FORMS": "1",
        "legal_pages-0-id": a.legal_page.pk,
        "legal_pages-0-municipality": a.municipality.pk,
        "legal_pages-0-kind": "impressum",
        "legal_pages-0-url": "",
        "legal_pages-0-body": "Impressum Hafenstadt",
        "legal_pages-0-body_en": "",
    }

    response = logged_in(a.admin).post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    a.municipality.refresh_from_db()
    assert a.municipality.name == "Hafenstadt an der See"
    assert a.municipality.address == "Am Hafen 1"
    assert (a.municipality.slug, a.municipality.ars, a.municipality.host) == (
        "hafenstadt",
        "099990000201",
        "",
    )
    assert list(a.municipality.administrators.all()) == [a.admin]


# --- clerk management -------------------------------------------------------------------------


def test_an_administrator_creates_a_clerk_for_their_authority(towns):
    a, b = towns["a"], towns["b"]
    client = logged_in(a.admin)

    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "neu_clerk",
            "usable_password": "true",
            "password1": "ein-langes-passwort-42",
            "password2": "ein-langes-passwort-42",
            "first_name": "Nora",
            "last_name": "Neu",
            "email": "nora@hafenstadt.example",
            "authorities": [a.authority.pk],
            "is_staff": "on",
            "is_superuser": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = get_user_model().objects.get(username="neu_clerk")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert list(user.authorities.all()) == [a.authority]
    assert user.check_password("ein-langes-passwort-42")
    assert managed_clerks(a.admin).filter(pk=user.pk).exists()
    assert not managed_clerks(b.admin).filter(pk=user.pk).exists()
    assert logged_in(b.admin).get(f"/admin/auth/user/{user.pk}/change/").status_code == 302


def test_a_new_clerk_needs_an_own_authority(towns):
    response = logged_in(towns["a"].admin).post(
        "/admin/auth/user/add/",
        {
            "username": "ohne_amt",
            "usable_password": "false",
            "authorities": [towns["b"].authority.pk],
        },
    )

    assert response.status_code == 200
    assert "authorities" in response.context["adminform"].form.errors
    assert not get_user_model().objects.filter(username="ohne_amt").exists()


def test_clerk_editing_cannot_escalate_privileges(towns):
    a = towns["a"]
    admin_group = Group.objects.get(name=MUNICIPAL_ADMIN_GROUP)
    url = f"/admin/auth/user/{a.clerk.pk}/change/"

    response = logged_in(a.admin).post(
        url,
        {
            "username": a.clerk.username,
            "first_name": "Clara",
            "last_name": "Umbenannt",
            "email": "clara@hafenstadt.example",
            "is_active": "",
            "authorities": [a.authority.pk],
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [admin_group.pk],
            "user_permissions": [1, 2, 3],
            "date_joined_0": "01.01.2020",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    a.clerk.refresh_from_db()
    assert a.clerk.last_name == "Umbenannt" and a.clerk.is_active is False
    assert (a.clerk.is_staff, a.clerk.is_superuser) == (False, False)
    assert not a.clerk.groups.exists() and not a.clerk.user_permissions.exists()


def test_the_password_of_an_own_clerk_is_set_and_the_others_is_not(towns):
    a, b = towns["a"], towns["b"]
    client = logged_in(a.admin)
    data = {
        "usable_password": "true",
        "password1": "neues-passwort-fuer-clara-7",
        "password2": "neues-passwort-fuer-clara-7",
        "set-password": "",
    }

    own = client.post(f"/admin/auth/user/{a.clerk.pk}/password/", data)
    other = client.post(f"/admin/auth/user/{b.clerk.pk}/password/", data)

    assert own.status_code == 302
    assert other.status_code in (403, 404)
    a.clerk.refresh_from_db()
    b.clerk.refresh_from_db()
    assert a.clerk.check_password("neues-passwort-fuer-clara-7")
    assert not b.clerk.check_password("neues-passwort-fuer-clara-7")


def test_administrators_staff_and_shared_clerks_are_not_managed(towns):
    a, b = towns["a"], towns["b"]
    shared = get_user_model().objects.create_user("shared_clerk")
    a.authority.clerks.add(shared)
    b.authority.clerks.add(shared)
    a.authority.clerks.add(b.admin)  # an administrator of B who also works in A

    managed = set(managed_clerks(a.admin))

    assert managed == {a.clerk}
    assert logged_in(a.admin).get(f"/admin/auth/user/{shared.pk}/change/").status_code == 302


def test_saving_an_authority_keeps_the_clerks_the_administrator_cannot_see(towns):
    a, b = towns["a"], towns["b"]
    shared = get_user_model().objects.create_user("shared_clerk")
    a.authority.clerks.add(shared)
    b.authority.clerks.add(shared)

    response = logged_in(a.admin).post(
        f"/admin/catalog/authority/{a.authority.pk}/change/",
        {
            "municipality": a.municipality.pk,
            "name": "Ordnungsamt Hafenstadt (neu)",
            "slug": a.authority.slug,
            "clerks": [a.clerk.pk],
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(a.authority.clerks.all()) == {a.clerk, shared}


# --- the pieces -------------------------------------------------------------------------------


def test_the_group_holds_the_administration_permissions():
    group = Group.objects.get(name=MUNICIPAL_ADMIN_GROUP)
    held = {
        (p.content_type.app_label, p.codename)
        for p in group.permissions.select_related("content_type")
    }

    assert held == set(MUNICIPAL_ADMIN_PERMISSIONS)
    assert not any(app in ("cases", "payments") for app, _ in held)


def test_administered_municipalities_by_role(towns, admin_user):
    a = towns["a"]
    a.clerk.is_staff = False

    assert set(administered_municipalities(admin_user)) == set(Municipality.objects.all())
    assert list(administered_municipalities(a.admin)) == [a.municipality]
    assert not administered_municipalities(a.clerk).exists()
    a.admin.is_staff = False
    assert not administered_municipalities(a.admin).exists()


def test_a_deactivated_administrator_sees_nothing(towns):
    a = towns["a"]
    a.admin.is_active = False
    a.admin.save()

    response = logged_in(a.admin).get("/admin/catalog/activation/")

    assert response.status_code == 302


def test_the_history_of_the_other_municipalitys_object_is_not_shown(towns):
    a, b = towns["a"], towns["b"]
    LogEntry.objects.log_actions(
        user_id=b.admin.pk,
        queryset=[b.activation],
        action_flag=CHANGE,
        change_message="Gebühr in Bergdorf geändert",
    )
    content_type = ContentType.objects.get_for_model(Activation)
    assert LogEntry.objects.filter(content_type=content_type).exists()

    response = logged_in(a.admin).get(
        f"/admin/catalog/activation/{b.activation.pk}/history/", follow=True
    )

    assert "Gebühr in Bergdorf" not in body(response)


def test_a_password_link_is_sent_to_an_own_clerk_only_and_sets_the_password(towns, mailoutbox):
    a, b = towns["a"], towns["b"]
    action = {"action": "send_password_link"}

    logged_in(a.admin).post("/admin/auth/user/", {**action, "_selected_action": [b.clerk.pk]})
    assert mailoutbox == []
    logged_in(a.admin).post("/admin/auth/user/", {**action, "_selected_action": [a.clerk.pk]})

    assert [m.to for m in mailoutbox] == [[a.clerk.email]]
    link = next(w for w in mailoutbox[0].body.split() if "/sachbearbeitung/passwort/" in w)
    visitor = Client()
    form_page = visitor.get(urlparse(link).path, follow=True)
    assert form_page.status_code == 200
    done = visitor.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "ein-neues-passwort-77", "new_password2": "ein-neues-passwort-77"},
    )
    assert done.status_code == 302
    a.clerk.refresh_from_db()
    assert a.clerk.check_password("ein-neues-passwort-77")
    assert visitor.get(urlparse(link).path, follow=True).context["validlink"] is False


def test_the_demo_administrators_see_only_their_municipality(published_processes):
    admins = get_user_model().objects.filter(administered_municipalities__isnull=False).distinct()
    assert admins.count() >= 2
    for user in admins:
        own = list(user.administered_municipalities.all())
        assert user.is_staff and not user.is_superuser
        assert user.groups.filter(name=MUNICIPAL_ADMIN_GROUP).exists()
        page = body(logged_in(user).get("/admin/catalog/activation/"))
        assert all(m.name in page for m in own)
        for other in Municipality.objects.exclude(pk__in=[m.pk for m in own]):
            assert other.name not in page
