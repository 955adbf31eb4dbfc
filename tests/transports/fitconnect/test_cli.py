"""The two command lines as a developer uses them: start the stand-in with --setup, send a
submission, run the demo receiver."""

import json
import subprocess
import sys
import uuid

import pytest

from forms_engine.transports.fitconnect import Attachment, SenderClient, send_submission
from forms_engine.transports.fitconnect.receiver import main as receiver_main


@pytest.fixture
def standin_process(tmp_path):
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "forms_engine.transports.fitconnect.standin",
            "--port",
            "0",
            "--key-size",
            "2048",
            "--state",
            str(tmp_path / "state.sqlite3"),
            "--setup",
            str(tmp_path / "keys"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("FIT-Connect stand-in: http://127.0.0.1:"), process.stderr.read()
        url = first.split()[2]
        lines = [process.stdout.readline() for _ in range(6)]
        yield url, tmp_path / "keys", "".join(lines)
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()


def test_standin_setup_then_send_then_receive(standin_process, tmp_path, capsys):
    url, keys, printed = standin_process
    setup = json.loads((keys / "setup.json").read_text())
    assert setup["destinationId"] in printed and setup["sender"]["clientSecret"] in printed
    sender = SenderClient(
        url,
        url + "/token",
        setup["sender"]["clientId"],
        setup["sender"]["clientSecret"],
        min_key_bits=2048,
    )
    destination = sender.destination(setup["destinationId"])
    sent = send_submission(
        sender,
        destination,
        data=b'{"name": "Erika"}',
        data_mime="application/json",
        schema_uri="https://schema.fitko.de/fim/s00000000_1.0.schema.json",
        attachments=[
            Attachment(str(uuid.uuid4()), b"%PDF-1.7 x", "application/pdf", "antrag.pdf", "form")
        ],
        service_name="Demo",
        service_identifier=setup["serviceIdentifier"],
    )

    code = receiver_main(["--url", url, "--key-dir", str(keys), "--out", str(tmp_path / "out")])

    output = capsys.readouterr().out
    assert code == 0
    assert f"Einreichung {sent['submissionId']}" in output
    assert "Anlage (form): antrag.pdf application/pdf, 10 Bytes, Hash ok" in output
    assert "Entscheidung: accept" in output
    assert sender.submission_status(sent["submissionId"])["status"] == "accepted"
    assert receiver_main(["--url", url, "--key-dir", str(keys), "--out", str(tmp_path / "o")]) == 0
    assert "Keine neuen Einreichungen." in capsys.readouterr().out
