"""Letterhead per municipality (issue 8): the case file, the supplement and every e-mail
carry the name, logo and address of the case's (or draft's) own municipality.

Two municipalities offer the same dog-tax version: Musterstadt from the demo data (its
profile set here, so the test does not depend on what the demo data holds) and
"Samtgemeinde Talheim", created here with its own authority, address, logo and activation.
"""

import io
import logging
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfReader

from forms_engine.cases.casefile import (
    casefile_html,
    casefile_open,
    casefile_pdf,
    casefile_render,
    supplement_pdf,
)
from forms_engine.cases.models import Case, CaseMessage, CaseStatusChange
from forms_engine.cases.notifications import (
    case_receipt_send,
    message_new_send,
    status_change_notify,
)
from forms_engine.catalog.letterhead import (
    LOGO_MAX_PX,
    LogoRefused,
    logo_cache_clear,
    logo_from_bytes,
    municipality_logo,
)
from forms_engine.catalog.models import Activation, Authority, LegalPage, Municipality
from forms_engine.catalog.selectors import municipality_legal_url
from forms_engine.citizen.models import Draft
from forms_engine.citizen.services import draft_send_resume_link
from tests.cases.test_case_submit import sample, submit

pytestmark = pytest.mark.django_db

DOG = "hundesteuer-anmeldung"
SITE = "https://service.example"

MUSTERSTADT_PROFILE = {
    "address": "Am Marktbrunnen 3\n99990 Musterstadt",
    "phone": "+49 9999 4711-0",
    "email": "rathaus@musterstadt.example",
    "website": "https://www.musterstadt.example/",
}
TALHEIM_PROFILE = {
    "address": "Kirchgasse 12\n99980 Talheim",
    "phone": "+49 9998 2020-0",
    "email": "info@talheim.example",
    "website": "https://www.talheim.example/",
}


def png_bytes(size=(60, 20), color=(0, 75, 135)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40">'
    b'<rect width="120" height="40" fill="#7a1f1f"/></svg>'
)


@pytest.fixture(autouse=True)
def _media_and_site(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FORMS_SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "noreply@service.example"
    logo_cache_clear()
    yield
    logo_cache_clear()


@pytest.fixture
def dog(published_processes):
    return published_processes[DOG]


@pytest.fixture
def musterstadt_profiled(musterstadt):
    for field, value in MUSTERSTADT_PROFILE.items():
        setattr(musterstadt, field, value)
    musterstadt.save()
    return musterstadt


@pytest.fixture
def talheim(dog, musterstadt):
    """The second municipality: own authority, profile, PNG logo and the same dog-tax version."""
    municipality = Municipality.objects.create(
        name="Samtgemeinde Talheim",
        ars="099980000000",
        slug="talheim",
        kind=Municipality.Kind.ASSOCIATION,
        **TALHEIM_PROFILE,
    )
    municipality.logo.save("talheim.png", ContentFile(png_bytes()), save=True)
    authority = Authority.objects.create(
        municipality=municipality,
        name="Steuerbüro Talheim",
        slug="steuer",
        email="steuer@talheim.example",
    )
    theirs = Activation.objects.get(process=dog.process, municipality=musterstadt)
    activation = Activation(
        process=dog.process,
        version=dog,
        municipality=municipality,
        authority=authority,
        parameter_values=dict(theirs.parameter_values or {}),
    )
    activation.full_clean()
    activation.save()
    return municipality


def file_case(version, municipality, key, name="valid-normaler-hund") -> Case:
    case = submit(version, municipality, sample(DOG, name), key=key)
    return Case.objects.select_related("municipality", "authority", "process_version").get(
        pk=case.pk
    )


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def letterhead_text(pdf: bytes) -> str:
    """The first page's text down to the document type line (the letterhead)."""
    first = pdf_pages(pdf)[0]
    return first.split("FALLAKTE", 1)[0].split("NACHTRAG", 1)[0]


def image_xobjects(pdf: bytes) -> list:
    """The image XObjects of the document (pages share one resource dictionary, so one
    image is listed once), also those inside form XObjects."""
    found = {}

    def walk(resources):
        for ref in ((resources or {}).get("/XObject") or {}).values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Image":
                found[getattr(ref, "idnum", id(xobject))] = xobject
            elif xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        walk(page.get("/Resources"))
    return list(found.values())


def figure_alts(pdf: bytes) -> list[str]:
    """The /Alt texts of the /Figure elements of the structure tree."""
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"]
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "get"):
            return
        if node.get("/S") == "/Figure":
            alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        if kids is not None:
            walk(kids)

    walk(root)
    return alts


def squeeze(text: str) -> str:
    return "".join(text.split())


def sender(message) -> tuple[str, str]:
    """(display name, address) of the From header as a mail client reads it."""
    parsed = message_from_bytes(message.message().as_bytes(), policy=policy.default)
    (address,) = parsed["From"].addresses
    return address.display_name, address.addr_spec


# --- case file ------------------------------------------------------------------------------------


def test_each_case_file_carries_its_own_municipalitys_letterhead(
    dog, musterstadt_profiled, talheim
):
    ours = file_case(dog, musterstadt_profiled, "m1")
    theirs = file_case(dog, talheim, "t1")
    assert theirs.authority.name == "Steuerbüro Talheim"  # routed to Talheim's authority

    ours_pdf, theirs_pdf = casefile_pdf(ours), casefile_pdf(theirs)
    ours_head, theirs_head = letterhead_text(ours_pdf), letterhead_text(theirs_pdf)
    ours_all, theirs_all = (
        squeeze("".join(pdf_pages(ours_pdf))),
        squeeze("".join(pdf_pages(theirs_pdf))),
    )

    for expected in ("Samtgemeinde Talheim", "Steuerbüro Talheim", "steuer@talheim.example",
                     "Kirchgasse 12, 99980 Talheim", "Telefon +49 9998 2020-0",
                     "info@talheim.example", "www.talheim.example"):  # fmt: skip
        assert squeeze(expected) in squeeze(theirs_head), expected
        assert squeeze(expected) not in ours_all, expected
    for expected in ("Musterstadt", ours.authority.name, "Am Marktbrunnen 3, 99990 Musterstadt",
                     "Telefon +49 9999 4711-0", "rathaus@musterstadt.example",
                     "www.musterstadt.example"):  # fmt: skip
        assert squeeze(expected) in squeeze(ours_head), expected
    assert "Musterstadt" not in theirs_head
    for other in ("AmMarktbrunnen3", "+4999994711-0", "rathaus@musterstadt.example"):
        assert other not in theirs_all


def test_following_pages_carry_the_municipality_in_the_running_header(dog, musterstadt, talheim):
    case = file_case(dog, talheim, "t1")
    pages = pdf_pages(casefile_pdf(case))
    assert len(pages) > 1
    running = "Samtgemeinde Talheim · Steuerbüro Talheim"
    assert running not in pages[0]  # the first page has the letterhead instead
    for page in pages[1:]:
        assert running in page


def test_a_png_logo_is_embedded_with_alt_text_and_the_pdf_stays_tagged(dog, talheim):
    case = file_case(dog, talheim, "t1")
    pdf = casefile_open(casefile_render(case_id=case.pk))

    images = image_xobjects(pdf)
    assert len(images) == 1
    assert (images[0]["/Width"], images[0]["/Height"]) == (60, 20)
    assert figure_alts(pdf) == ["Logo Samtgemeinde Talheim"]
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == "de"
    assert bool(root["/MarkInfo"]["/Marked"])
    html = casefile_html(case)
    assert 'alt="Logo Samtgemeinde Talheim"' in html
    assert 'src="data:image/png;base64,' in html


def test_an_svg_logo_is_drawn_with_alt_text(dog, talheim):
    talheim.logo.save("talheim.svg", ContentFile(SVG), save=True)
    case = file_case(dog, talheim, "t1")
    pdf = casefile_pdf(case)

    assert figure_alts(pdf) == ["Logo Samtgemeinde Talheim"]
    assert 'src="data:image/svg+xml;base64,' in casefile_html(case)
    # The SVG is drawn as vector graphics: its fill colour is in the first page's content.
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert b"0.478431 0.121569 0.121569 rg" in content


def test_without_a_logo_the_pdf_has_no_image_and_no_figure(dog, musterstadt_profiled):
    musterstadt_profiled.logo = ""  # the demo data gives Musterstadt a logo: take it away
    musterstadt_profiled.save(update_fields=["logo"])
    assert not Municipality.objects.get(pk=musterstadt_profiled.pk).logo
    pdf = casefile_pdf(file_case(dog, musterstadt_profiled, "m1"))
    assert image_xobjects(pdf) == []
    assert figure_alts(pdf) == []


def test_a_municipality_without_profile_gets_a_letterhead_with_its_name_only(dog, musterstadt):
    bare = Municipality.objects.create(
        name="Gemeinde Leerbach", ars="099970000000", slug="leerbach"
    )
    authority = Authority.objects.create(municipality=bare, name="Gemeindeamt", slug="amt")
    theirs = Activation.objects.get(process=dog.process, municipality=musterstadt)
    Activation.objects.create(
        process=dog.process,
        version=dog,
        municipality=bare,
        authority=authority,
        parameter_values=dict(theirs.parameter_values or {}),
    )
    case = file_case(dog, bare, "b1")
    pdf = casefile_pdf(case)

    head = letterhead_text(pdf)
    assert squeeze(head) == "GemeindeLeerbachGemeindeamt"
    assert image_xobjects(pdf) == []
    html = casefile_html(case)
    assert 'class="contact"' not in html and "<img" not in html


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body>not an image</body></html>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # PNG signature, broken body
        b"\xff\xd8\xff\xe0garbage",  # JPEG signature, broken body
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        b"<svg xmlns='http://www.w3.org/2000/svg'><rect",  # not well-formed
        b"<svg-like><html/></svg-like>",  # not an <svg> root
    ],
    ids=["html", "broken-png", "broken-jpeg", "svg-with-dtd", "broken-svg", "not-svg-root"],
)
def test_a_hostile_logo_is_left_out_with_a_warning_and_the_pdf_still_renders(
    dog, talheim, caplog, content
):
    talheim.logo.save("hostile.png", ContentFile(content), save=True)
    case = file_case(dog, talheim, "t1")

    with caplog.at_level(logging.WARNING, logger="forms_engine.catalog.letterhead"):
        pdf = casefile_pdf(case)

    assert pdf.startswith(b"%PDF-")
    assert image_xobjects(pdf) == [] and figure_alts(pdf) == []
    assert "Samtgemeinde Talheim" in letterhead_text(pdf)
    assert any("hostile" in r.getMessage() for r in caplog.records)


def test_a_logo_missing_in_storage_is_left_out(dog, talheim, caplog):
    talheim.logo.storage.delete(talheim.logo.name)
    case = file_case(dog, talheim, "t1")
    with caplog.at_level(logging.WARNING, logger="forms_engine.catalog.letterhead"):
        pdf = casefile_pdf(case)
    assert image_xobjects(pdf) == []
    assert "missing" in caplog.text


def test_the_logo_is_read_once_and_then_served_from_the_cache(talheim, monkeypatch):
    first = municipality_logo(talheim)
    assert first is not None and first.media_type == "image/png"

    def no_second_read(*args, **kwargs):
        raise AssertionError("the logo file was read again")

    monkeypatch.setattr(type(talheim.logo), "open", no_second_read)
    assert municipality_logo(Municipality.objects.get(pk=talheim.pk)) == first


def test_a_failing_read_is_not_cached(talheim, monkeypatch, caplog):
    real_open = type(talheim.logo).open

    def failing_open(*args, **kwargs):
        raise OSError("storage unavailable")

    monkeypatch.setattr(type(talheim.logo), "open", failing_open)
    with caplog.at_level(logging.WARNING, logger="forms_engine.catalog.letterhead"):
        assert municipality_logo(talheim) is None
    assert "cannot be read" in caplog.text
    monkeypatch.setattr(type(talheim.logo), "open", real_open)
    assert municipality_logo(talheim).media_type == "image/png"


def test_a_new_logo_replaces_the_cached_one(talheim):
    assert municipality_logo(talheim).media_type == "image/png"
    talheim.logo.save("talheim-neu.svg", ContentFile(SVG), save=True)
    assert municipality_logo(talheim).media_type == "image/svg+xml"


def test_a_large_raster_logo_is_scaled_down_once():
    logo = logo_from_bytes(png_bytes(size=(3000, 1500)))
    import base64

    data = base64.b64decode(logo.data_uri.split(",", 1)[1])
    with Image.open(io.BytesIO(data)) as image:
        assert image.width <= LOGO_MAX_PX[0] and image.height <= LOGO_MAX_PX[1]
        assert image.size == (600, 300)  # aspect ratio kept


def test_a_small_logo_is_embedded_unchanged():
    content = png_bytes()
    logo = logo_from_bytes(content)
    import base64

    assert base64.b64decode(logo.data_uri.split(",", 1)[1]) == content


def test_the_type_comes_from_the_content_not_the_name():
    with pytest.raises(LogoRefused):
        logo_from_bytes(b"GIF89a\x01\x00\x01\x00")
    assert logo_from_bytes(SVG).media_type == "image/svg+xml"


def test_the_supplement_carries_the_letterhead_too(dog, talheim):
    case = file_case(dog, talheim, "t1")
    answer = CaseMessage.objects.create(
        case=case, direction=CaseMessage.Direction.FROM_CITIZEN, body="Anbei der Nachweis."
    )
    pdf = supplement_pdf(case, answer)
    head = squeeze(letterhead_text(pdf))
    assert squeeze("Samtgemeinde Talheim") in head
    assert squeeze("Kirchgasse 12, 99980 Talheim") in head
    assert len(image_xobjects(pdf)) == 1


# --- e-mails --------------------------------------------------------------------------------------


def mails_for(case) -> list:
    """The receipt, a status change and a new-message e-mail of `case`, in that order."""
    mail.outbox.clear()
    casefile_render(case_id=case.pk)
    assert case_receipt_send(case_id=case.pk) is True
    change = CaseStatusChange.objects.create(
        case=case,
        from_status=case.status,
        to_status=Case.Status.IN_PROGRESS,
        changed_at=timezone.now(),
    )
    assert status_change_notify(change_id=change.pk) is True
    message = CaseMessage.objects.create(
        case=case, direction=CaseMessage.Direction.TO_CITIZEN, subject="Frage", body="Geheim"
    )
    assert message_new_send(message_id=message.pk) is True
    sent = list(mail.outbox)
    assert len(sent) == 3
    return sent


def test_every_email_of_a_case_carries_its_own_municipality(dog, musterstadt_profiled, talheim):
    ours = file_case(dog, musterstadt_profiled, "m1")
    theirs = file_case(dog, talheim, "t1")

    for message in mails_for(theirs):
        name, address = sender(message)
        assert name == "Samtgemeinde Talheim – Bürgerservice online"
        assert address == "noreply@service.example"
        assert message.reply_to == ["steuer@talheim.example"]
        body = message.body
        signature = body.split("\n-- \n", 1)[1]
        for expected in (
            "Samtgemeinde Talheim – Bürgerservice online",
            "Zuständig: Steuerbüro Talheim, steuer@talheim.example",
            "Kirchgasse 12\n99980 Talheim",
            "Telefon: +49 9998 2020-0",
            "E-Mail: info@talheim.example",
            "Web: https://www.talheim.example/",
            f"Impressum: {SITE}/talheim/impressum/",
            f"Datenschutz: {SITE}/talheim/datenschutz/",
        ):
            assert expected in signature, expected
        for other in ("Musterstadt", "Marktbrunnen", "4711", "musterstadt.example"):
            assert other not in body and other not in message.subject

    for message in mails_for(ours):
        name, _ = sender(message)
        assert name == "Stadt Musterstadt – Bürgerservice online"
        assert message.reply_to == [ours.authority.email]
        assert "Am Marktbrunnen 3\n99990 Musterstadt" in message.body
        assert f"Impressum: {SITE}/{musterstadt_profiled.slug}/impressum/" in message.body
        for other in ("Talheim", "Kirchgasse", "2020-0"):
            assert other not in message.body


def test_the_message_email_still_never_carries_the_message_text(dog, talheim):
    *_, new_message = mails_for(file_case(dog, talheim, "t1"))
    assert "Geheim" not in new_message.body


def test_an_english_case_gets_english_labels_in_the_signature(dog, talheim):
    case = file_case(dog, talheim, "t1")
    Case.objects.filter(pk=case.pk).update(language="en")
    case.refresh_from_db()
    for message in mails_for(case):
        german, english = message.body.split("\nEnglish\n")
        assert "Guten Tag" in german and "Hello" in english
        signature = english.split("\n-- \n", 1)[1]
        assert "Telefon / Phone: +49 9998 2020-0" in signature
        assert f"Impressum / Legal notice: {SITE}/talheim/impressum/" in signature
        assert f"Datenschutz / Privacy: {SITE}/talheim/datenschutz/" in signature


def test_an_external_legal_page_is_linked_where_it_is_set(dog, talheim):
    LegalPage.objects.create(
        municipality=talheim, kind=LegalPage.Kind.PRIVACY, url="https://www.talheim.example/ds"
    )
    (receipt, *_) = mails_for(file_case(dog, talheim, "t1"))
    assert "Datenschutz: https://www.talheim.example/ds\n" in receipt.body
    assert f"Impressum: {SITE}/talheim/impressum/" in receipt.body


def test_a_municipality_without_profile_signs_with_its_name_and_legal_links(dog, talheim):
    Municipality.objects.filter(pk=talheim.pk).update(
        address="", phone="", email="", website="", logo=""
    )
    Authority.objects.filter(municipality=talheim).update(email="")
    case = file_case(dog, talheim, "t1")
    (receipt, *_) = mails_for(case)
    signature = receipt.body.split("\n-- \n", 1)[1]
    assert signature.splitlines() == [
        "Samtgemeinde Talheim – Bürgerservice online",
        "Zuständig: Steuerbüro Talheim",
        f"Impressum: {SITE}/talheim/impressum/",
        f"Datenschutz: {SITE}/talheim/datenschutz/",
    ]
    assert receipt.reply_to == []
    assert letterhead_text(casefile_open(casefile_render(case_id=case.pk))).split() == [
        "Samtgemeinde",
        "Talheim",
        "Steuerbüro",
        "Talheim",
    ]


def test_replies_go_to_the_municipality_when_the_authority_has_no_address(dog, talheim):
    Authority.objects.filter(municipality=talheim).update(email="")
    (receipt, *_) = mails_for(file_case(dog, talheim, "t1"))
    assert receipt.reply_to == ["info@talheim.example"]


def test_the_resume_link_email_comes_from_the_drafts_municipality(dog, talheim):
    draft = Draft.objects.create(
        process_version=dog, definition_sha256=dog.sha256, municipality=talheim
    )
    with translation.override("de"):
        draft_send_resume_link(
            draft=draft, email="erika@example.org", url=f"{SITE}/weiter/x", title="Hund"
        )
    (message,) = mail.outbox
    assert sender(message) == (
        "Samtgemeinde Talheim – Bürgerservice online",
        "noreply@service.example",
    )
    assert message.reply_to == ["steuer@talheim.example"]
    assert f"{SITE}/weiter/x" in message.body
    assert "Kirchgasse 12" in message.body and f"{SITE}/talheim/datenschutz/" in message.body
    assert "Musterstadt" not in message.body


def test_legal_urls_are_the_external_page_or_the_sites_own(talheim):
    assert municipality_legal_url(talheim, "impressum") == f"{SITE}/talheim/impressum/"
    LegalPage.objects.create(
        municipality=talheim, kind=LegalPage.Kind.IMPRINT, url="https://www.talheim.example/i"
    )
    LegalPage.objects.create(municipality=talheim, kind=LegalPage.Kind.PRIVACY, body="Text")
    talheim = Municipality.objects.get(pk=talheim.pk)
    assert municipality_legal_url(talheim, "impressum") == "https://www.talheim.example/i"
    assert municipality_legal_url(talheim, "datenschutz") == f"{SITE}/talheim/datenschutz/"
    with pytest.raises(ValueError):
        municipality_legal_url(talheim, "../admin")


def test_a_name_with_quotes_makes_a_valid_sender(dog, talheim):
    Municipality.objects.filter(pk=talheim.pk).update(name='Talheim "an der Aue", Kreis\nNord')
    (receipt, *_) = mails_for(file_case(dog, talheim, "t1"))
    name, address = sender(receipt)  # one address: the comma and quotes stay in the name
    # (Compared without spaces: Python's parser keeps the fold between two encoded words.)
    assert squeeze(name) == squeeze('Talheim "an der Aue", Kreis Nord – Bürgerservice online')
    assert address == "noreply@service.example"
