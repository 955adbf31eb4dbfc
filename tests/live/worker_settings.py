"""Settings of the Celery worker processes that tests/live/ starts (never used elsewhere).

The project settings plus two test-only knobs, both from the environment:
- `FORMS_TEST_EMAIL_DIR`: e-mails are written there as files (file-based backend), so the
  test can count what a worker process sent.
- `FORMS_TEST_PIPELINE_PAUSE`: seconds the pipeline sleeps after the case file step
  (`cases.pipeline._test_pause`), so a test can kill the worker in the middle of a case.
"""

import os

from forms_engine.settings import *  # noqa: F403 - this module is the project settings plus two knobs

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["FORMS_TEST_EMAIL_DIR"]
FORMS_TEST_PIPELINE_PAUSE = float(os.environ.get("FORMS_TEST_PIPELINE_PAUSE", "0"))
