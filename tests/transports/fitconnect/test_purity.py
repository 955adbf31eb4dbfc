"""The FIT-Connect module works on its own: no Django, no project import (also enforced by
the import-linter contract "fitconnect-pure")."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import forms_engine.transports.fitconnect as package

PACKAGE_DIR = Path(package.__file__).parent


def test_no_module_of_the_package_imports_django_or_the_project():
    for path in PACKAGE_DIR.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(django|forms_engine)\b", source, re.M), path


def test_the_package_runs_as_a_copy_without_django(tmp_path):
    """Copied under another name, with Django made unimportable: a JWE round trip, metadata
    and a SET still work."""
    shutil.copytree(PACKAGE_DIR, tmp_path / "fitconnect_copy")
    script = textwrap.dedent(
        """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("django", "forms_engine"):
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        import fitconnect_copy as fc
        private, public = fc.generate_encryption_key(2048)
        assert fc.decrypt(fc.encrypt(b"x", public, cty="application/json"), private) == b"x"
        metadata = fc.build_metadata(
            data=b"{}", data_mime="application/json", schema_uri="https://example.org/s.json",
            attachments=[], service_name="X", service_identifier="urn:de:fim:leika:leistung:1",
        )
        assert fc.validate_metadata(metadata) == []
        sign, verify = fc.generate_signature_key(2048)
        token = fc.make_event(kind="submit", submission_id="s", case_id="c", issuer="i",
                              private_jwk=sign)
        assert fc.parse_event(token, [verify]).kind == "submit"
        import fitconnect_copy.standin, fitconnect_copy.receiver
        assert "django" not in sys.modules
        print("ok")
        """
    )
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment["PYTHONPATH"] = str(tmp_path)
    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
