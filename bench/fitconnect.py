"""FIT-Connect delivery (issue 11): a case with a 5 MB attachment through the stand-in.

The engine's FIT-Connect module (`forms_engine/transports/fitconnect/`) against its own
stand-in Zustelldienst as its own process on loopback (`python -m
forms_engine.transports.fitconnect.standin` on a SQLite state file), with a 4096-bit
destination key as FIT-Connect requires. Figures:

- JWE encryption (RSA-OAEP-256 + A256GCM, compact) of a 5 MB attachment;
- SHA-512 of the same bytes (the metadata hash);
- one whole delivery: destination lookup, announce, upload of the 5 MB upload and a
  200 KB case-file PDF, metadata built and validated against the official schema, data
  and metadata encrypted, submit. Reported as ms per delivery and deliveries per second
  (serial); the CPU of the sender (this process) and of the stand-in, per delivery.

No database: this measures the module and the stand-in, not the pipeline around them.

    .venv/bin/python bench/run.py fitconnect
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, Context, Figure, free_port, median_ms, standalone, timed

ATTACHMENT_BYTES = 5 * 1024 * 1024
PDF_BYTES = 200 * 1024
LEIKA = "urn:de:fim:leika:leistung:99123456789000"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of another process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(ctx: Context) -> list[Figure]:
    from forms_engine.transports.fitconnect import (
        Attachment,
        SenderClient,
        encrypt,
        new_attachment_id,
        send_submission,
        sha512_hex,
    )
    from forms_engine.transports.fitconnect.standin import StandIn, setup_demo

    repeat = ctx.scale(10, 3)
    upload = os.urandom(ATTACHMENT_BYTES)
    pdf = b"%PDF-1.7\n" + os.urandom(PDF_BYTES)
    data = json.dumps({"antrag": {"name": "Erika Mustermann"}}).encode()

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        state = Path(tmp) / "standin.sqlite3"
        # The demo destination (4096-bit keys) is set up here; the stand-in then runs as
        # its own process on that state, as `python -m …standin` does.
        demo = setup_demo(StandIn(state, issuer=f"http://127.0.0.1:{port}"), Path(tmp) / "keys")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "forms_engine.transports.fitconnect.standin",
                "--port",
                str(port),
                "--state",
                str(state),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_port(port)
            sender = demo["sender"]
            client = SenderClient(base, f"{base}/token", sender["clientId"], sender["clientSecret"])
            destination = client.destination(demo["destinationId"])

            encrypt_ms = median_ms(
                timed(
                    lambda: encrypt(upload, destination.encryption_key, cty="application/pdf"),
                    repeat,
                    1,
                )
            )
            hash_ms = median_ms(timed(lambda: sha512_hex(upload), repeat, 1))

            def deliver():
                send_submission(
                    client,
                    client.destination(demo["destinationId"]),
                    data=data,
                    data_mime="application/json",
                    schema_uri="urn:ozg-engine:process:bench:1.0.0:data",
                    attachments=[
                        Attachment(
                            new_attachment_id(), pdf, "application/pdf", "antrag.pdf", "form"
                        ),
                        Attachment(
                            new_attachment_id(),
                            upload,
                            "application/pdf",
                            "nachweis.pdf",
                            "attachment",
                        ),
                    ],
                    service_name="Bench",
                    service_identifier=demo["serviceIdentifier"],
                    sender_reference="BEN-2026-000001",
                )

            deliver()  # warm-up
            cpu0, remote0 = time.process_time(), _cpu_seconds(server.pid)
            samples = timed(deliver, repeat, 0)
            sender_cpu = (time.process_time() - cpu0) / repeat
            standin_cpu = (_cpu_seconds(server.pid) - remote0) / repeat
        finally:
            server.terminate()
            server.wait(10)
    delivery_ms = median_ms(samples)
    return [
        Figure("FIT-Connect: JWE encryption of a 5 MB attachment", encrypt_ms),
        Figure("FIT-Connect: SHA-512 of a 5 MB attachment", hash_ms),
        Figure(
            "FIT-Connect: delivery with a 5 MB attachment (announce, 2 uploads, submit), median",
            delivery_ms,
        ),
        Figure(
            "FIT-Connect: deliveries per second (serial, 5 MB)",
            1000.0 / delivery_ms,
            unit="/s",
            compare="rate",
        ),
        Figure("FIT-Connect: sender CPU per delivery (5 MB)", sender_cpu * 1000, compare="cpu"),
        Figure(
            "FIT-Connect: stand-in Zustelldienst CPU per delivery (5 MB)",
            standin_cpu * 1000,
            compare="cpu",
        ),
    ]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"stand-in did not answer on port {port}")


if __name__ == "__main__":
    standalone("fitconnect")
