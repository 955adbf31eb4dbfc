"""Demo data: municipalities, their profiles, legal pages, authorities, activations, clerks
and administrators from fixtures/demo.json (`manage.py demo_setup`).

The file format (every key not marked optional is required; `$comment` is allowed anywhere)::

    {"municipalities": [{
        "name", "ars", "slug",
        "kind"?: "stadt" | "gemeinde" | "verbandsgemeinde" | "landkreis" | "land",
        "parent"?: "<slug of a municipality listed before>",
        "postcodes"?: ["99999", …] | "99999, …", "places"?: [...] | "...", "host"?,
        "address"?, "phone"?, "email"?, "website"?,
        "primary_color"?: "#rrggbb" (contrast at least 4.5:1 against white),
        "logo"?: "<path relative to the demo file>" (SVG, PNG or JPEG),
        "legal_pages"?: {"impressum" | "datenschutz" | "barrierefreiheit":
                         {"url"?, "body"?, "body_en"?}},
        "administrators"?: ["username" | {"username", "first_name"?, "last_name"?, "email"?}],
        "authorities": [{"slug", "name", "email"?, "clerks"?: ["username" | {...}]}],
        "activations": {"<process id>": "<authority slug>"
                        | {"authority", "version"?, "parameters"?, "contact"?: "…" | {"de", "en"?},
                           "follow_patches"?, "publisher"?}}}],
     "publishers"?: [{"slug", "name"?, "four_eyes"?: bool, "designers"?: ["username"…],
                      "reviewers"?: ["username"…]}],   (studio roles; password as admins')
     "clerks"?: [{"username", "authority": "<municipality slug>/<authority slug>",
                  "first_name"?, "last_name"?, "email"?}]}

An activation pins `version` (a published version of the process) with its `parameters`
(checked against the version's declarations); the short string form keeps working and pins
the current version when the activation is created. Processes are looked up in the
installation's default publisher unless `publisher` names another.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from forms_engine.core.colors import HEX_COLOR, MIN_TEXT_CONTRAST, contrast_ratio

from .admin_access import MUNICIPAL_ADMIN_GROUP
from .models import Activation, Authority, LegalPage, Municipality, Process, ProcessVersion

#: The group the admin's municipality administrators belong to (made after every
#: `migrate`, see `admin_access`); demo administrators join it when it exists.
MUNICIPALITY_ADMIN_GROUP = MUNICIPAL_ADMIN_GROUP
LOGO_TYPES = {".svg", ".png", ".jpg", ".jpeg"}
LOGO_MAX_BYTES = 512 * 1024
# An SVG logo is shown on every citizen page: no scripts, handlers or external references.
_SVG_ACTIVE = re.compile(
    rb"<\s*script|<\s*foreignObject|\bon[a-z]+\s*=|javascript:|<!ENTITY|xlink:href\s*=\s*[\"']?(?!#)",
    re.IGNORECASE,
)
_MUNICIPALITY_KEYS = {
    "$comment",
    "name",
    "ars",
    "slug",
    "kind",
    "parent",
    "postcodes",
    "places",
    "host",
    "address",
    "phone",
    "email",
    "website",
    "primary_color",
    "logo",
    "legal_pages",
    "administrators",
    "authorities",
    "activations",
}
_PROFILE_TEXT_KEYS = ("host", "address", "phone", "email", "website", "primary_color")
_ACTIVATION_KEYS = {
    "$comment",
    "authority",
    "version",
    "parameters",
    "contact",
    "follow_patches",
    "publisher",
}
_LEGAL_PAGE_KEYS = {"$comment", "url", "body", "body_en"}


class DemoSetupError(Exception):
    """fixtures/demo.json is malformed (German / English message)."""


@dataclass
class DemoSetupResult:
    created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"angelegt / created: {item}" for item in self.created] + self.notes


def _refuse(where: str, german: str, english: str) -> DemoSetupError:
    return DemoSetupError(f"demo.json, {where}: {german} / {english}")


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(str(m) for m in error.messages)


@contextlib.contextmanager
def _context(where: str):
    """Turn what a malformed entry raises into a DemoSetupError naming the entry."""
    try:
        yield
    except DemoSetupError:
        raise
    except ValidationError as exc:
        raise DemoSetupError(f"demo.json, {where}: {_messages(exc)}") from exc
    except KeyError as exc:
        raise _refuse(where, f"Angabe {exc} fehlt", f"{exc} is missing") from exc
    except (TypeError, AttributeError, ValueError) as exc:
        raise _refuse(where, f"Eintrag fehlerhaft ({exc})", f"malformed entry ({exc})") from exc


def _as_list_text(value, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    raise TypeError(f"{what}: eine Liste von Texten / a list of strings")


def _unknown_keys(doc: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise _refuse(
            where,
            f"unbekannte Angabe(n) {', '.join(unknown)}",
            f"unknown key(s) {', '.join(unknown)}",
        )


def demo_setup(
    *, path: Path | str, clerk_password: str | None = None, admin_password: str | None = None
) -> DemoSetupResult:
    """Create or update the demo municipalities with everything they bring (see the module
    docstring for the file format).

    Contract: idempotent (a second run creates nothing and leaves the same state); one
    transaction (a malformed entry leaves nothing behind, except a logo file already
    stored); every problem is a `DemoSetupError` naming the municipality and, for an
    activation, the process. Clerks and municipality administrators get an unusable
    password unless `clerk_password` / `admin_password` is given (then it is set on every
    run). The superuser `admin` is created or updated only with `admin_password`.
    An activation of a process not yet synced is skipped with a note.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoSetupError(f"demo.json unlesbar / unreadable: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("municipalities"), list):
        raise DemoSetupError(
            "demo.json braucht eine Liste „municipalities“ / needs a list 'municipalities'"
        )
    result = DemoSetupResult()
    with transaction.atomic():
        for index, muni_doc in enumerate(doc["municipalities"]):
            where = f"Kommune Nr. {index + 1}"
            with _context(where):
                if not isinstance(muni_doc, dict):
                    raise TypeError("ein Objekt / an object")
                where = f"Kommune „{muni_doc.get('name') or muni_doc.get('slug') or index + 1}“"
            with _context(where):
                _unknown_keys(muni_doc, _MUNICIPALITY_KEYS, where)
                muni = _municipality(muni_doc, where, result)
                _logo(muni, muni_doc, path.parent, where)
                _legal_pages(muni, muni_doc.get("legal_pages") or {}, where, result)
                _authorities(muni, muni_doc.get("authorities") or [], where, result)
                for process_id, spec in (muni_doc.get("activations") or {}).items():
                    activation_where = f"{where}, Freischaltung „{process_id}“"
                    with _context(activation_where):
                        _activation(muni, process_id, spec, activation_where, result)
                for user_doc in muni_doc.get("administrators") or []:
                    _administrator(muni, user_doc, admin_password, where, result)
        for index, publisher_doc in enumerate(doc.get("publishers") or []):
            where = f"Herausgeber Nr. {index + 1}"
            with _context(where):
                _publisher_roles(publisher_doc, admin_password, where, result)
        for muni_slug, authority_slug, user_doc in _clerk_specs(doc):
            where = f"Sachbearbeitung „{user_doc.get('username', '?')}“"
            with _context(where):
                _clerk(muni_slug, authority_slug, user_doc, clerk_password, where, result)
    if not clerk_password:
        result.notes.append(
            "Hinweis: Sachbearbeitungs-Konten haben kein nutzbares Passwort; "
            "DEMO_CLERK_PASSWORD setzen, um sich anzumelden. / Note: clerk accounts have no "
            "usable password; set DEMO_CLERK_PASSWORD to log in."
        )
    if admin_password:
        _superuser(admin_password, result)
    else:
        result.notes.append(
            "Hinweis: kein Admin-Konto angelegt und kein nutzbares Passwort für die kommunale "
            "Administration (DEMO_ADMIN_PASSWORD nicht gesetzt). / Note: no admin account "
            "created and no usable password for municipality administrators "
            "(DEMO_ADMIN_PASSWORD not set)."
        )
    return result


# --- municipality and profile -----------------------------------------------------------


def _municipality(doc: dict, where: str, result: DemoSetupResult) -> Municipality:
    slug = doc["slug"]
    muni = Municipality.objects.filter(slug=slug).first()
    created = muni is None
    if created:
        muni = Municipality(slug=slug)
    muni.name = doc["name"]
    muni.ars = doc["ars"]
    if "kind" in doc:
        if doc["kind"] not in Municipality.Kind.values:
            raise _refuse(
                where,
                f"Art „{doc['kind']}“ gibt es nicht ({', '.join(Municipality.Kind.values)})",
                f"kind '{doc['kind']}' does not exist ({', '.join(Municipality.Kind.values)})",
            )
        muni.kind = doc["kind"]
    if "parent" in doc:
        parent = Municipality.objects.filter(slug=doc["parent"]).first() if doc["parent"] else None
        if doc["parent"] and (parent is None or parent.slug == slug):
            raise _refuse(
                where,
                f"übergeordnete Kommune „{doc['parent']}“ fehlt (vorher aufführen)",
                f"parent municipality '{doc['parent']}' is missing (list it before)",
            )
        muni.parent = parent
    for key in ("postcodes", "places"):
        if key in doc:
            setattr(muni, key, _as_list_text(doc[key], key))
    for key in _PROFILE_TEXT_KEYS:
        if key in doc:
            if not isinstance(doc[key], str):
                raise TypeError(f"{key}: ein Text / a string")
            setattr(muni, key, doc[key])
    if muni.primary_color:
        if not HEX_COLOR.match(muni.primary_color):
            raise _refuse(
                where,
                f"Hausfarbe „{muni.primary_color}“ ist keine Farbe wie #004b87",
                f"colour '{muni.primary_color}' is not a colour like #004b87",
            )
        ratio = contrast_ratio(muni.primary_color)
        if ratio < MIN_TEXT_CONTRAST:
            raise _refuse(
                where,
                f"Hausfarbe {muni.primary_color} hat nur {ratio:.2f}:1 Kontrast zu Weiß "
                f"(mindestens {MIN_TEXT_CONTRAST}:1)",
                f"colour {muni.primary_color} has only {ratio:.2f}:1 contrast to white "
                f"(at least {MIN_TEXT_CONTRAST}:1)",
            )
    muni.full_clean(exclude=["logo"])
    muni.save()
    if created:
        result.created.append(f"Kommune {muni}")
    return muni


def _logo(muni: Municipality, doc: dict, base: Path, where: str) -> None:
    """Store the logo file through the logo field's storage (the default storage), unless
    the stored logo already has the same bytes."""
    if not doc.get("logo"):
        return
    source = (base / doc["logo"]).resolve()
    if source.suffix.lower() not in LOGO_TYPES or not source.is_file():
        raise _refuse(
            where,
            f"Logo „{doc['logo']}“ fehlt oder ist kein SVG, PNG oder JPEG",
            f"logo '{doc['logo']}' is missing or not an SVG, PNG or JPEG",
        )
    data = source.read_bytes()
    if len(data) > LOGO_MAX_BYTES or (source.suffix.lower() == ".svg" and _SVG_ACTIVE.search(data)):
        raise _refuse(
            where,
            f"Logo „{doc['logo']}“ ist zu groß oder enthält Skripte oder externe Verweise",
            f"logo '{doc['logo']}' is too large or contains scripts or external references",
        )
    storage = muni.logo.storage
    if muni.logo.name and _stored_bytes(storage, muni.logo.name) == data:
        return
    name = muni.logo.field.generate_filename(muni, f"{muni.slug}{source.suffix.lower()}")
    if _stored_bytes(storage, name) != data:
        if storage.exists(name):
            storage.delete(name)
        name = storage.save(name, ContentFile(data))
    muni.logo.name = name
    muni.save(update_fields=["logo"])


def _stored_bytes(storage, name: str) -> bytes | None:
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def _legal_pages(muni: Municipality, pages: dict, where: str, result: DemoSetupResult) -> None:
    if not isinstance(pages, dict):
        raise TypeError("legal_pages: ein Objekt / an object")
    for kind, page_doc in pages.items():
        page_where = f"{where}, rechtliche Seite „{kind}“"
        if kind not in LegalPage.Kind.values:
            raise _refuse(
                page_where,
                f"Art gibt es nicht ({', '.join(LegalPage.Kind.values)})",
                f"no such kind ({', '.join(LegalPage.Kind.values)})",
            )
        if not isinstance(page_doc, dict):
            raise TypeError(f"{kind}: ein Objekt / an object")
        _unknown_keys(page_doc, _LEGAL_PAGE_KEYS, page_where)
        if not (page_doc.get("url") or page_doc.get("body")):
            raise _refuse(
                page_where,
                "braucht „url“ oder einen Text „body“",
                "needs 'url' or a text 'body'",
            )
        page = LegalPage.objects.filter(municipality=muni, kind=kind).first()
        created = page is None
        if created:
            page = LegalPage(municipality=muni, kind=kind)
        page.url = page_doc.get("url", "")
        page.body = page_doc.get("body", "")
        page.body_en = page_doc.get("body_en", "")
        with _context(page_where):
            page.full_clean()
        if created or _changed(page, ("url", "body", "body_en")):
            page.save()
        if created:
            result.created.append(f"Rechtliche Seite {page}")


def _changed(instance, fields) -> bool:
    stored = type(instance).objects.filter(pk=instance.pk).values(*fields).first()
    return stored != {name: getattr(instance, name) for name in fields}


def _authorities(muni: Municipality, docs: list, where: str, result: DemoSetupResult) -> None:
    for auth_doc in docs:
        authority, created = Authority.objects.update_or_create(
            municipality=muni,
            slug=auth_doc["slug"],
            defaults={"name": auth_doc["name"], "email": auth_doc.get("email", "")},
        )
        with _context(f"{where}, Behörde „{auth_doc['slug']}“"):
            authority.full_clean()
        if created:
            result.created.append(f"Behörde {authority}")


# --- activations ------------------------------------------------------------------------


def _activation(
    muni: Municipality, process_id: str, spec, where: str, result: DemoSetupResult
) -> None:
    from django.conf import settings

    short_form = isinstance(spec, str)
    spec = {"authority": spec} if short_form else spec
    if not isinstance(spec, dict):
        raise TypeError("eine Behörde oder ein Objekt / an authority or an object")
    _unknown_keys(spec, _ACTIVATION_KEYS, where)
    publisher = spec.get("publisher") or settings.FORMS_DEFAULT_PUBLISHER[0]
    process = Process.objects.filter(identifier=process_id, publisher__slug=publisher).first()
    if process is None:
        result.notes.append(
            f"Hinweis: Leistung „{process_id}“ fehlt im Katalog (erst process_sync "
            f"ausführen). / Note: process '{process_id}' not in the catalog "
            "(run process_sync first)."
        )
        return
    authority = Authority.objects.filter(municipality=muni, slug=spec["authority"]).first()
    if authority is None:
        raise _refuse(
            where,
            f"Behörde „{spec['authority']}“ gibt es in dieser Kommune nicht",
            f"authority '{spec['authority']}' does not exist in this municipality",
        )
    version = None
    if spec.get("version") is not None:
        version = ProcessVersion.objects.filter(process=process, version=spec["version"]).first()
        if version is None or version.status == ProcessVersion.Status.DRAFT:
            known = ", ".join(
                sorted(
                    process.versions.exclude(status=ProcessVersion.Status.DRAFT).values_list(
                        "version", flat=True
                    )
                )
            )
            raise _refuse(
                where,
                f"Version {spec['version']} ist nicht veröffentlicht (vorhanden: {known or '–'})",
                f"version {spec['version']} is not published (available: {known or '–'})",
            )
    activation = Activation.objects.filter(process=process, municipality=muni).first()
    created = activation is None
    if created:
        activation = Activation(process=process, municipality=muni)
    activation.authority = authority
    activation.is_active = True
    if version is not None:
        activation.version = version
    if not short_form:
        activation.parameter_values = spec.get("parameters") or {}
        if "follow_patches" in spec:
            if not isinstance(spec["follow_patches"], bool):
                raise TypeError("follow_patches: true oder false / true or false")
            activation.follow_patches = spec["follow_patches"]
        if "contact" in spec:
            contact = spec["contact"]
            contact = {"de": contact} if isinstance(contact, str) else contact
            activation.contact_text = contact.get("de", "")
            activation.contact_text_en = contact.get("en", "")
    activation.full_clean()  # version, parameter values, plugin options: as any activation
    if created:
        activation.save()
        result.created.append(f"Freischaltung {activation}")
    elif _changed(
        activation,
        (
            "authority_id",
            "is_active",
            "version_id",
            "parameter_values",
            "follow_patches",
            "contact_text",
            "contact_text_en",
        ),
    ):
        activation.save()


# --- people -----------------------------------------------------------------------------


def _user(user_doc, where: str):
    user_doc = {"username": user_doc} if isinstance(user_doc, str) else user_doc
    if not isinstance(user_doc, dict) or not user_doc.get("username"):
        raise _refuse(where, "Benutzername fehlt", "username missing")
    return get_user_model().objects.get_or_create(
        username=user_doc["username"],
        defaults={
            "first_name": user_doc.get("first_name", ""),
            "last_name": user_doc.get("last_name", ""),
            "email": user_doc.get("email", ""),
        },
    )


def _password(user, created: bool, password: str | None) -> None:
    if password:
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
    elif created:
        user.set_unusable_password()
        user.save(update_fields=["password"])


def _administrator(
    muni: Municipality, user_doc, password: str | None, where: str, result: DemoSetupResult
) -> None:
    """A municipality administrator: staff, in `muni.administrators`, and in the group
    "Kommunale Administration" when the admin setup has made it."""
    user, created = _user(user_doc, f"{where}, Administration")
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    _password(user, created, password)
    muni.administrators.add(user)
    group = Group.objects.filter(name=MUNICIPALITY_ADMIN_GROUP).first()
    if group is not None:
        user.groups.add(group)
    if created:
        result.created.append(f"Kommunale Administration {user.username} ({muni.name})")


def _publisher_roles(doc, password: str | None, where: str, result: DemoSetupResult) -> None:
    """A publisher's studio roles: designers and reviewers (staff users) and four-eyes."""
    from .services import publisher_ensure

    if not isinstance(doc, dict) or not doc.get("slug"):
        raise _refuse(where, "„slug“ fehlt", "'slug' missing")
    _unknown_keys(doc, {"slug", "name", "four_eyes", "designers", "reviewers"}, where)
    publisher = publisher_ensure(slug=doc["slug"], name=doc.get("name", ""))
    four_eyes = bool(doc.get("four_eyes", False))
    if publisher.four_eyes != four_eyes:
        publisher.four_eyes = four_eyes
        publisher.save(update_fields=["four_eyes"])
    for role in ("designers", "reviewers"):
        for user_doc in doc.get(role) or []:
            user, created = _user(user_doc, f"{where}, {role}")
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            _password(user, created, password)
            getattr(publisher, role).add(user)
            if created:
                label = "Prozess-Design" if role == "designers" else "Freigabe"
                result.created.append(f"{label} {user.username} ({publisher.name})")


def _clerk_specs(doc: dict) -> list[tuple[str, str, dict]]:
    """(municipality slug, authority slug, user dict) from both supported layouts."""
    specs = []
    for muni in doc.get("municipalities", []):
        for authority in muni.get("authorities", []):
            for clerk in authority.get("clerks", []):
                user = clerk if isinstance(clerk, dict) else {"username": clerk}
                specs.append((muni["slug"], authority["slug"], user))
    for clerk in doc.get("clerks", []):
        authority = clerk.get("authority", "")
        muni = clerk.get("municipality", "")
        if "/" in authority and not muni:
            muni, authority = authority.split("/", 1)
        specs.append((muni, authority, clerk))
    return specs


def _clerk(
    muni_slug: str,
    authority_slug: str,
    user_doc: dict,
    password: str | None,
    where: str,
    result: DemoSetupResult,
) -> None:
    authority = Authority.objects.filter(municipality__slug=muni_slug, slug=authority_slug).first()
    if authority is None:
        raise _refuse(
            where,
            f"Behörde „{muni_slug}/{authority_slug}“ gibt es nicht",
            f"authority '{muni_slug}/{authority_slug}' does not exist",
        )
    user, created = _user(user_doc, where)
    _password(user, created, password)
    authority.clerks.add(user)
    if created:
        result.created.append(f"Sachbearbeitung {user.username} ({authority})")


def _superuser(password: str, result: DemoSetupResult) -> None:
    admin, created = get_user_model().objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if created or not admin.check_password(password) or not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.set_password(password)
        admin.save()
    if created:
        result.created.append("Superuser admin")
