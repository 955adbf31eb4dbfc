"""pytest plugin (loaded with `-p` before pytest-django reads the settings).

Marks the process as a test run, so the settings accept the development-only secret key,
and lets staff sign in without a second factor unless a test asks for it.
It is never imported by the running engine.
"""

import os

os.environ.setdefault("DJANGO_TESTING", "1")
# Staff sign in with the password alone in tests (they log clerks in with force_login or the
# login form); tests of the second factor switch it on with the `settings` fixture.
os.environ.setdefault("FORMS_STAFF_2FA_REQUIRED", "0")
