"""Helpers for API tests: upload "@file:" fixtures and submit sample answers."""

from tests.conftest import MUSTERSTADT_ARS, substitute_files, upload_file


def current_number(process_id) -> str:
    """The current version number of a process in the test database ("1.0.0" if unknown)."""
    from forms_engine.catalog.models import Process
    from forms_engine.catalog.selectors import current_version

    process = Process.objects.filter(identifier=process_id).first()
    version = current_version(process) if process else None
    return version.version if version else "1.0.0"


def version_url(process_id, version=None):
    version = version or current_number(process_id)
    return f"/api/processes/{process_id}/versions/{version}/"


def api_upload(client, process_id, pointer, name, version=None):
    response = client.post(
        version_url(process_id, version) + "uploads/",
        {"file": upload_file(name), "field": pointer},
        format="multipart",
    )
    return response


def submission_body(client, process_id, sample, version=None):
    """The sample's answers with each "@file:<name>" uploaded first and replaced by its ref."""
    tokens = {}

    def upload(name, pointer):
        response = api_upload(client, process_id, pointer, name, version)
        assert response.status_code == 201, response.json()
        body = response.json()
        tokens[body["ref"]] = body["owner_token"]
        return body["ref"]

    answers = substitute_files(sample["answers"], "", upload)
    return {
        "municipality": MUSTERSTADT_ARS,
        "answers": answers,
        "declarations": sample.get("declarations", []),
        "upload_tokens": tokens,
    }
