"""Two web nodes, two Celery workers, one PostgreSQL, one Redis, one shared media directory.

The engine runs on more than one node: any web node serves any request of a session and
any file, any worker runs any case. Two gunicorn nodes (A, B; the project's
gunicorn.conf.py, two workers each) and two Celery workers share the test database, a
redis-server of this test and one media directory (the "uploads" and "casefiles"
storages, as a volume mounted on every node would be). Two municipalities offer the dog
tax: Musterstadt from the demo data, and Beispieldorf, made here with its own authority,
activation and clerk. For each, a citizen starts the draft on one node, and every step
is shown by that node and answered on the other (the upload lands on the other one), the
submit page likewise. The pipeline runs on whichever worker takes the case. Each clerk
signs in with password and code on different nodes and downloads the case file and the
upload through the node that did not store it; the other municipality's case is 404
everywhere.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from forms_engine.cases.models import Case, CaseDelivery, CaseDocument, PipelineState
from forms_engine.catalog.models import Activation, Authority, Municipality
from forms_engine.citizen.models import Draft
from forms_engine.citizen.services import definition_for
from tests.citizen.flow import FIELDS, STEP_URL, error_pointers, post_data
from tests.conftest import UPLOAD_FIXTURES, load_sample

from .conftest import (
    ROOT,
    wait_for,
    web_spawn,
    web_wait_ready,
    worker_spawn,
    worker_stop,
    worker_wait_ready,
)
from .test_faults import library, receipts

requests = pytest.importorskip("requests")

PROCESS = "hundesteuer-anmeldung"
SAMPLE = ROOT / "fixtures/answers/hundesteuer-anmeldung/valid-listenhund-mit-lastschrift.json"
PASSWORD = "zwei-knoten-passwort"
REFERENCE = re.compile(r'id="case-reference">([^<]+)<')


@dataclass
class Town:
    municipality: Municipality
    authority: Authority
    clerk: object
    device: TOTPDevice


def beispieldorf() -> Town:
    """A second municipality offering the same dog-tax activation as Musterstadt, with its
    own tax office and clerk (made here: the demo data need not have it)."""
    municipality = Municipality.objects.create(
        name="Beispieldorf", ars="099990010010", slug="beispieldorf"
    )
    authority = Authority.objects.create(
        municipality=municipality,
        slug="steueramt",
        name="Steueramt Beispieldorf",
        email="steueramt@beispieldorf.example",
    )
    activation = Activation.objects.get(
        process__identifier=PROCESS, municipality__slug="musterstadt"
    )
    activation.pk = None  # the same binding, copied: whatever fields an activation has
    activation._state.adding = True
    activation.municipality = municipality
    activation.authority = authority
    activation.save()
    clerk = get_user_model().objects.create_user("steuer-dorf", password=PASSWORD)
    authority.clerks.add(clerk)
    return Town(municipality, authority, clerk, _device(clerk))


def musterstadt() -> Town:
    authority = Authority.objects.get(municipality__slug="musterstadt", slug="steueramt")
    clerk = get_user_model().objects.get(username="steuer")
    clerk.set_password(PASSWORD)
    clerk.save(update_fields=["password"])
    return Town(authority.municipality, authority, clerk, _device(clerk))


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="App", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


class Browser:
    """A browser without JavaScript: one cookie jar (session, CSRF token) for both nodes,
    each request sent to the node named. Redirects are not followed."""

    def __init__(self, nodes: dict):
        self.nodes = nodes
        self.http = requests.Session()

    def get(self, node: str, path: str):
        return self.http.get(self.nodes[node].url + path, allow_redirects=False, timeout=60)

    def post(self, node: str, path: str, data: dict):
        fields = {"csrfmiddlewaretoken": self.http.cookies.get("csrftoken", "")}
        files = {}
        for key, value in data.items():
            if isinstance(value, SimpleUploadedFile):
                value.seek(0)
                files[key] = (value.name, value.read(), "application/pdf")
            else:
                fields[key] = value
        return self.http.post(
            self.nodes[node].url + path,
            data=fields,
            files=files or None,
            allow_redirects=False,
            timeout=60,
        )


def path_of(response) -> str:
    location = response.headers["Location"]
    return re.sub(r"^https?://[^/]+", "", location)


def file_a_case(browser: Browser, *, first: str, second: str, town: Town, answers: dict) -> str:
    """The citizen's way through the wizard: the draft starts on `first`; every page is
    shown by `first` and answered on `second` (uploads included). Returns the reference."""
    start = f"/leistungen/{PROCESS}/"
    assert browser.get(first, start).status_code == 200
    response = browser.post(first, start, {"municipality": town.municipality.slug})
    assert response.status_code == 302, response.text[:500]
    url = path_of(response)
    draft = Draft.objects.get(pk=STEP_URL.search(url)["draft"])
    assert draft.municipality_id == town.municipality.pk
    definition = definition_for(draft.process_version)
    while (match := STEP_URL.search(url)) and match["step"] in [s.id for s in definition.steps]:
        step = definition.step(match["step"])
        page = browser.get(first, url)
        assert page.status_code == 200, (url, page.text[:300])
        for _attempt in range(3):
            data = post_data(step.fields(), answers.get(step.id, {}), [])
            data.update(_action="next", _fields=html.unescape(FIELDS.search(page.text)[1]))
            response = browser.post(second, url, data)
            if response.status_code == 302:
                break
            assert response.status_code == 200, (url, response.status_code)
            assert not error_pointers(response.text), (url, error_pointers(response.text))
            page = response  # new questions revealed by this page's answers: answer again
        assert response.status_code == 302, url
        url = path_of(response)
    submit = f"/antrag/{draft.pk}/absenden/"
    assert browser.get(second, submit).status_code == 200
    response = browser.post(first, submit, {"declaration": ["wahrheit", "datenschutz"]})
    assert response.status_code == 302, response.text[:500]
    confirmation = browser.get(second, path_of(response))
    assert confirmation.status_code == 200
    return REFERENCE.search(confirmation.text)[1]


def sign_in(browser: Browser, town: Town, *, password_on: str, code_on: str) -> None:
    """The staff sign-in, password on one node, the second factor's code on the other."""
    login = "/sachbearbeitung/anmelden/"
    assert browser.get(password_on, login).status_code == 200
    response = browser.post(
        password_on, login, {"username": town.clerk.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and "/anmelden/code/" in response.headers["Location"]
    response = browser.post(code_on, path_of(response), {"code": current_code(town.device)})
    assert response.status_code == 302, response.text[:500]
    assert path_of(response) == "/sachbearbeitung/"


def assert_private_attachment(response) -> None:
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.fixture
def two_nodes(own_redis, live_dirs, tmp_path):
    """Web nodes A and B and two Celery workers on our Redis, the test database and the
    shared media directory; the library and both municipalities loaded first."""
    library()
    towns = {"musterstadt": musterstadt(), "beispieldorf": beispieldorf()}
    processes = []
    try:
        nodes = {
            name: web_spawn(tmp_path, live_dirs, name=name, broker_url=own_redis.url)
            for name in ("A", "B")
        }
        processes += nodes.values()
        workers = [
            worker_spawn(tmp_path, live_dirs, name=name, broker_url=own_redis.url)
            for name in ("one", "two")
        ]
        processes += workers
        for node in nodes.values():
            web_wait_ready(node)
        for worker in workers:
            worker_wait_ready(worker)
        yield nodes, workers, towns
    finally:
        for proc in processes:
            if proc.poll() is None:
                proc.terminate()  # all at once; worker_stop then waits for each
        for proc in processes:
            worker_stop(proc)


def test_two_municipalities_file_across_two_web_nodes_and_two_workers(two_nodes, live_dirs):
    nodes, workers, towns = two_nodes
    sample = load_sample(SAMPLE)
    raw_upload = (UPLOAD_FIXTURES / "sachkunde.pdf").read_bytes()
    routes = {"musterstadt": ("A", "B"), "beispieldorf": ("B", "A")}

    references = {}
    for slug, (first, second) in routes.items():
        answers = dict(sample["answers"])
        if slug == "beispieldorf":
            answers["halter"] = {**answers["halter"], "vorname": "Otto", "familienname": "Dorf"}
        references[slug] = file_a_case(
            Browser(nodes), first=first, second=second, town=towns[slug], answers=answers
        )

    cases = {}
    for slug, reference in references.items():
        case = wait_for(
            lambda reference=reference: Case.objects.filter(
                reference=reference, pipeline_done_at__isnull=False
            ).first(),
            60,
        )
        logs = "\n".join(w.log.read_text(errors="replace")[-3000:] for w in workers)
        assert case is not None, f"{reference} was not processed within 60 s\n{logs}"
        cases[slug] = case

    for slug, case in cases.items():
        town = towns[slug]
        assert case.municipality_id == town.municipality.pk
        assert case.authority_id == town.authority.pk
        assert case.pipeline_state == PipelineState.DONE and case.routed_at is not None
        assert Case.objects.filter(submission_key=case.submission_key).count() == 1
        [delivery] = CaseDelivery.objects.filter(case=case)
        assert (delivery.status, delivery.attempts) == ("delivered", 1)
        assert CaseDocument.objects.filter(case=case, kind="casefile").count() == 1
        assert receipts(live_dirs["emails"], case.reference) == 1
    # Each case was taken by one worker (whichever), once, and done there.
    logs = "".join(w.log.read_text(errors="replace") for w in workers)
    assert len(re.findall(r"Task cases\.tasks\.case_process\[[^]]+\] received", logs)) == 2
    assert len(re.findall(r"Task cases\.tasks\.case_process\[[^]]+\] succeeded", logs)) == 2

    for slug, (first, second) in routes.items():
        town, case = towns[slug], cases[slug]
        other = cases["beispieldorf" if slug == "musterstadt" else "musterstadt"]
        clerk = Browser(nodes)
        sign_in(clerk, town, password_on=second, code_on=first)
        inbox = clerk.get(second, "/sachbearbeitung/")
        assert inbox.status_code == 200
        assert case.reference in inbox.text and other.reference not in inbox.text

        # The upload was stored through `second`, the case file by a worker: both are
        # downloaded through `first`.
        casefile = CaseDocument.objects.get(case=case, kind="casefile")
        response = clerk.get(first, f"/sachbearbeitung/faelle/{case.pk}/fallakte.pdf")
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == casefile.sha256
        assert response.headers["Content-Type"] == "application/pdf"
        assert_private_attachment(response)
        upload = case.uploads.get()
        response = clerk.get(first, f"/sachbearbeitung/faelle/{case.pk}/dateien/{upload.pk}/")
        assert response.status_code == 200
        assert response.content == raw_upload
        assert_private_attachment(response)

        other_upload = other.uploads.get()
        for node in ("A", "B"):
            for path in (
                f"/sachbearbeitung/faelle/{other.pk}/",
                f"/sachbearbeitung/faelle/{other.pk}/fallakte.pdf",
                f"/sachbearbeitung/faelle/{other.pk}/dateien/{other_upload.pk}/",
            ):
                response = clerk.get(node, path)
                assert response.status_code == 404, (slug, node, path)
                assert other.reference not in response.text

    # One shared directory holds every file: two uploads, two case files.
    assert len([p for p in live_dirs["uploads"].rglob("*") if p.is_file()]) == 2
    assert len([p for p in live_dirs["casefiles"].rglob("*") if p.is_file()]) == 2
