"""Drive the citizen wizard through the Django test client like a browser without JavaScript.

`Flow(client, process_id).run(sample)` turns a sample answer file into per-step POSTs in
the form's field naming (see forms_engine/citizen/forms.py), uploads "@file:" values,
grows repeatable groups with the "add" button, accepts the declarations and submits.
It collects every field error pointer the pages show (`data-pointer`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forms_engine.citizen.models import Draft
from forms_engine.citizen.services import definition_for
from tests.conftest import UPLOAD_FIXTURES

STEP_URL = re.compile(r"/antrag/(?P<draft>[0-9a-f-]{36})/(?P<step>[a-z][a-z0-9_]*)/")
POINTER = re.compile(r'data-pointer="([^"]+)"')
FIELDS = re.compile(r'name="_fields" value="([^"]*)"')


def error_pointers(content: str) -> list[str]:
    return [html.unescape(p) for p in POINTER.findall(content)]


def german_date(value) -> str:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        year, month, day = value.split("-")
        return f"{day}.{month}.{year}"
    return str(value)


def _text(kind: str, value) -> str:
    if kind == "boolean":
        return {True: "true", False: "false"}.get(value, str(value))
    if kind == "date":
        return german_date(value)
    if kind in ("money", "number") and isinstance(value, str | int | float):
        return str(value).replace(".", ",")
    return str(value)


def post_data(fields, values: dict, path: list[str], repeat_counts: dict | None = None) -> dict:
    """POST data for `values` (a step's answers or a group's) in the form's naming."""
    data: dict = {}
    for f in fields:
        if f.name not in values:
            continue
        value = values[f.name]
        key = ".".join([*path, f.name])
        if f.type == "group" and isinstance(value, dict):
            data.update(post_data(f.children, value, [*path, f.name], repeat_counts))
        elif f.type == "repeat" and isinstance(value, list):
            count = len(value)
            if repeat_counts is not None and key in repeat_counts:
                count = repeat_counts[key]
            data[f"{key}._count"] = str(count)
            for i, entry in enumerate(value[:count]):
                if isinstance(entry, dict):
                    data.update(post_data(f.children, entry, [*path, f.name, str(i)]))
        elif f.type == "multichoice":
            data[key] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        elif f.type == "upload":
            if isinstance(value, str) and value.startswith("@file:"):
                name = value[len("@file:") :]
                data[key] = SimpleUploadedFile(
                    name, (UPLOAD_FIXTURES / name).read_bytes(), "application/octet-stream"
                )
            else:
                data[key] = str(value)
        elif value is None:
            continue
        else:
            data[key] = _text(f.type, value)
    return data


@dataclass
class Result:
    draft: Draft | None = None
    pointers: list[str] = field(default_factory=list)
    case_reference: str = ""
    confirmation: object = None
    blocked: list[str] = field(default_factory=list)  # repeat limits the page enforced


class Flow:
    def __init__(
        self,
        client,
        process_id: str,
        municipality_slug: str = "musterstadt",
        persona: str = "erika-mustermann",
    ):
        self.client = client
        self.persona = persona
        self.process_id = process_id
        self.municipality_slug = municipality_slug

    def start(self):
        page = self.client.get(reverse("citizen:start", args=[self.process_id]))
        if 'id="identity-offer"' in page.content.decode():
            # The process needs BundID: sign in as a citizen would (stand-in, Online-Ausweis).
            from tests.identity.helpers import sign_in

            sign_in(self.client, persona=self.persona, means="eid", level="hoch")
        response = self.client.post(
            reverse("citizen:start", args=[self.process_id]),
            {"municipality": self.municipality_slug},
        )
        assert response.status_code == 302, response.content[:500]
        match = STEP_URL.search(response["Location"])
        assert match, response["Location"]
        return Draft.objects.get(pk=match["draft"]), response["Location"]

    def post_step(self, url: str, step, values: dict, result: Result):
        """Fill one step: grow repeatable groups with "add", then "Weiter"."""
        page = self.client.get(url)
        assert page.status_code == 200, url
        content = page.content.decode()
        for f in step.fields():
            if f.type != "repeat" or not isinstance(values.get(f.name), list):
                continue
            wanted = len(values[f.name])
            count = re.search(rf'name="{f.name}\._count" value="(\d+)"', content)
            if count is None:
                # A conditional group not shown yet: the next POST reveals it with its entries.
                continue
            shown = int(count[1])
            while shown < wanted:
                if f'value="add:{f.name}"' not in content:
                    result.blocked.append(f"/{step.id}/{f.name}")
                    break
                data = post_data(step.fields(), values, [], {f.name: shown})
                # Files go with the final "Weiter" only, so each is stored once.
                data = {k: v for k, v in data.items() if not isinstance(v, SimpleUploadedFile)}
                data.update({"_action": f"add:{f.name}", "_fields": FIELDS.search(content)[1]})
                page = self.client.post(url, data)
                assert page.status_code == 200
                content = page.content.decode()
                new = int(re.search(rf'name="{f.name}\._count" value="(\d+)"', content)[1])
                assert new == shown + 1
                shown = new
        response = None
        for _attempt in range(3):
            data = post_data(step.fields(), values, [])
            data["_action"] = "next"
            data["_fields"] = html.unescape(FIELDS.search(content)[1])
            response = self.client.post(url, data)
            if response.status_code == 302:
                return response
            content = response.content.decode()
            pointers = error_pointers(content)
            if pointers:
                return response
            # New questions revealed by this page's answers: post again, as a citizen would.
        return response

    def pay(self, overview_url: str) -> None:
        """Policy "required": pay on the payment stand-in like a citizen (needs the demo
        backends and the payment client routed to this test server, see tests/payments)."""
        response = self.client.post(overview_url)
        assert response.status_code == 302, response.content[:300]
        pay_page = urlsplit(response["Location"]).path
        back = self.client.post(pay_page, {"action": "pay"})
        assert back.status_code == 302, back.content[:300]
        parts = urlsplit(back["Location"])
        settled = self.client.get(parts.path + "?" + parts.query)
        assert settled.status_code == 302, settled.content[:300]

    def run(self, sample: dict, *, submit: bool = True) -> Result:
        answers = sample["answers"]
        draft, url = self.start()
        result = Result(draft=draft)
        definition = definition_for(draft.process_version)
        visited: list[str] = []
        while True:
            match = STEP_URL.search(url)
            step_ids = [s.id for s in definition.steps]
            if not match or match["step"] in visited or match["step"] not in step_ids:
                break
            step_id = match["step"]
            visited.append(step_id)
            step = definition.step(step_id)
            response = self.post_step(url, step, answers.get(step_id, {}), result)
            if response.status_code == 302:
                url = response["Location"]
                continue
            result.pointers += error_pointers(response.content.decode())
            # Stay as a citizen would not, but as a tester must: look at the next steps too.
            draft.refresh_from_db()
            ids = [s.id for s in definition.applicable_steps(draft.answers)]
            following = (
                [i for i in ids[ids.index(step_id) + 1 :] if i not in visited]
                if step_id in ids
                else []
            )
            if not following:
                url = reverse("citizen:summary", args=[draft.pk])
                break
            url = reverse("citizen:step", args=[draft.pk, following[0]])
        summary = self.client.get(reverse("citizen:summary", args=[draft.pk]))
        assert summary.status_code == 200
        if not submit:
            return result
        submit_url = reverse("citizen:submit", args=[draft.pk])
        page = self.client.get(submit_url)
        if page.status_code == 302 and page["Location"].startswith("/zahlung/"):
            self.pay(page["Location"])
            page = self.client.get(submit_url)
        assert page.status_code == 200
        response = self.client.post(submit_url, {"declaration": sample.get("declarations", [])})
        if response.status_code == 302:
            confirmation = self.client.get(response["Location"])
            result.confirmation = confirmation
            match = re.search(r'id="case-reference">([^<]+)<', confirmation.content.decode())
            result.case_reference = match[1] if match else ""
        else:
            result.pointers += error_pointers(response.content.decode())
        draft.refresh_from_db()
        return result
