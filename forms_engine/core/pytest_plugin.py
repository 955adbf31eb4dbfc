"""pytest plugin (loaded with `-p` before pytest-django reads the settings).

Marks the process as a test run, so the settings accept the development-only secret key.
It is never imported by the running engine.
"""

import os

os.environ.setdefault("DJANGO_TESTING", "1")
