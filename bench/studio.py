"""The designer studio over HTTP, for a process of 200 fields (10 steps of 20; every field
type a citizen sees, conditions, choices, help texts in two languages), each figure also as a
ratio to a citizen step round trip (GET + POST of the dog tax's first step) measured in the
same run on the same server:

- editor save: POST of the whole definition in the JSON view (parse, limits, meta-schema and
  semantic checks, revision check, the save kept as a revision, audit) and the page it
  redirects to (the definition with its problems listed at their places);
- live validation: the JSON view's check while the designer types (nothing saved);
- preview: starting a preview of the unsaved, changed draft (compile + check of a document
  the cache has not seen) and rendering one of its steps in preview mode.

gunicorn as deployed (gunicorn.conf.py, DEBUG off) on the run's PostgreSQL database; the
designer signs in through the staff sign-in page (the second factor is off for the bench:
it measures the studio, not TOTP).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Client, Context, Figure, Server, median_ms, standalone, timed_loop  # noqa: E402
from http_steps import start_draft, step_post_data, step_round_trip  # noqa: E402

os.environ.setdefault("FORMS_STAFF_2FA_REQUIRED", "0")

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
USERNAME = "bench-design"
PASSWORD = "bench-design-password-1234"  # noqa: S105 - a throwaway user of the bench database


def big_process(fields: int = 200, steps: int = 10) -> dict:
    """A process with `fields` fields over `steps` steps: every field type the citizen sees,
    a condition on every fifth field, choices, limits, help texts in German and English."""
    per_step = fields // steps
    kinds = [
        ("text", {"type": "string", "maxLength": 200}),
        ("date", {"type": "string", "format": "date"}),
        ("integer", {"type": "integer", "minimum": 0, "maximum": 10000}),
        ("money", {"type": "string", "format": "money"}),
        ("email", {"type": "string", "format": "email"}),
        (
            "choice",
            {
                "type": "string",
                "oneOf": [
                    {"const": f"o{i}", "title": f"Option {i}", "x-en": {"title": f"Option {i}"}}
                    for i in range(5)
                ],
            },
        ),
        ("boolean", {"type": "boolean"}),
        ("postcode", {"type": "string", "format": "postcode-de"}),
    ]
    doc_steps = []
    for s in range(steps):
        properties, required, ui = {}, [], {}
        for f in range(per_step):
            kind, schema = kinds[(s * per_step + f) % len(kinds)]
            name = f"f{s}_{f}"
            properties[name] = {
                **schema,
                "title": f"Feld {f + 1} ({kind}) in Schritt {s + 1}",
                "description": "Ein Hinweis zu diesem Feld.",
                "x-en": {"title": f"Field {f + 1} ({kind})", "description": "A hint."},
            }
            if f % 5 == 4:
                ui[name] = {
                    "when": {
                        "properties": {
                            f"s{s}": {
                                "properties": {f"f{s}_0": {"const": "bedingt"}},
                                "required": [f"f{s}_0"],
                            }
                        },
                        "required": [f"s{s}"],
                    }
                }
            elif f % 3 == 0:
                required.append(name)
        step = {
            "id": f"s{s}",
            "title": {"de": f"Schritt {s + 1}", "en": f"Step {s + 1}"},
            "schema": {"type": "object", "properties": properties, "required": required},
        }
        if ui:
            step["ui"] = {"fields": ui}
        doc_steps.append(step)
    return {
        "$schema": "urn:ozg-engine:process-format:1",
        "id": "bench-200-felder",
        "version": "1.0.0",
        "title": {"de": "Prozess mit 200 Feldern", "en": "Process with 200 fields"},
        "reference_prefix": "BEN",
        "steps": doc_steps,
    }


def prepare() -> int:
    """The designer and the 200-field draft in the bench database; the draft's id."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from forms_engine.catalog.services import default_publisher, process_version_create_draft

    user = get_user_model().objects.create_user(username=USERNAME, password=PASSWORD, is_staff=True)
    publisher = default_publisher()
    publisher.designers.add(user)
    publisher.four_eyes = False
    publisher.save(update_fields=["four_eyes"])
    return process_version_create_draft(doc=big_process(), publisher=publisher, by=user).pk


def sign_in(port: int) -> Client:
    client = Client(port)
    status, _, page = client.request("GET", "/sachbearbeitung/anmelden/")
    assert status == 200, status
    status, location, _ = client.request(
        "POST",
        "/sachbearbeitung/anmelden/?next=/studio/",
        {
            "csrfmiddlewaretoken": CSRF_INPUT.search(page)[1],
            "username": USERNAME,
            "password": PASSWORD,
        },
    )
    assert status == 302, f"sign-in answered {status}"
    return client


def main(ctx: Context) -> list[Figure]:
    n = ctx.scale(40, 10)
    version_id = prepare()
    doc = big_process()
    editor = f"/studio/versionen/{version_id}/bearbeiten/json/"
    with Server(ctx) as server:
        designer = sign_in(server.port)
        status, _, page = designer.request("GET", editor)
        assert status == 200, f"JSON view answered {status}"
        token = CSRF_INPUT.search(page)[1]
        state = {"revision": 1, "round": 0}

        def changed_text() -> str:
            state["round"] += 1
            doc["title"]["de"] = f"Prozess mit 200 Feldern, Stand {state['round']}"
            return json.dumps(doc, ensure_ascii=False, indent=2)

        def save() -> None:
            status, location, _ = designer.request(
                "POST",
                editor,
                {
                    "csrfmiddlewaretoken": token,
                    "definition": changed_text(),
                    "revision": str(state["revision"]),
                },
            )
            assert status == 302, f"editor save answered {status}"
            state["revision"] += 1

        def save_and_show() -> None:
            save()
            status, _, _ = designer.request("GET", editor)
            assert status == 200, status

        def validate() -> None:
            status, _, body = designer.request(
                "POST",
                f"/studio/versionen/{version_id}/bearbeiten/json/pruefen/",
                {"csrfmiddlewaretoken": token, "definition": changed_text()},
            )
            assert status == 200 and json.loads(body)["ok"], status

        previews = {}

        def preview_start() -> None:
            status, location, _ = designer.request(
                "POST",
                "/studio/vorschau/",
                {
                    "csrfmiddlewaretoken": token,
                    "document": changed_text(),
                    "version": str(version_id),
                },
            )
            assert status == 302 and "/vorschau/" in location, (status, location)
            previews["url"] = location.rstrip("/") + "/schritte/s0/"

        def preview_step() -> None:
            status, _, _ = designer.request("GET", previews["url"])
            assert status == 200, status

        for _ in range(3):  # warm both workers
            save()
            validate()
            preview_start()
            preview_step()
        citizen_data = step_post_data()
        citizen, step_url = start_draft(server.port)
        for _ in range(5):
            step_round_trip(citizen, step_url, citizen_data)
        citizen_ms = median_ms(
            timed_loop(lambda: step_round_trip(citizen, step_url, citizen_data), n)
        )
        saved_ms = median_ms(timed_loop(save, n))
        saved_shown_ms = median_ms(timed_loop(save_and_show, n))
        validate_ms = median_ms(timed_loop(validate, n))
        start_ms = median_ms(timed_loop(preview_start, n))
        step_ms = median_ms(timed_loop(preview_step, n))
    figures = [Figure("citizen step round trip GET + POST (studio bench), median", citizen_ms)]
    for name, value in (
        ("studio, 200 fields: editor save (JSON view POST, checked), median", saved_ms),
        ("studio, 200 fields: editor save + page with problems, median", saved_shown_ms),
        ("studio, 200 fields: live validation of the JSON view, median", validate_ms),
        ("studio, 200 fields: preview start of the changed unsaved draft, median", start_ms),
        ("studio, 200 fields: preview step render, median", step_ms),
    ):
        figures.append(Figure(name, value))
        figures.append(
            Figure(
                name.replace(", median", "") + " / citizen step round trip",
                value / citizen_ms,
                "×",
                None,
            )
        )
    return figures


if __name__ == "__main__":
    standalone("studio")
