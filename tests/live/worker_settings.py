"""Settings of the Celery worker processes that tests/live/ starts (never used elsewhere).

The project settings plus two test-only knobs, both from the environment:
- `FORMS_TEST_EMAIL_DIR`: e-mails are written there as files (file-based backend), so the
  test can count what a worker process sent.
- `FORMS_TEST_PIPELINE_PAUSE`: seconds the pipeline sleeps after the case file step
  (`cases.pipeline._test_pause`), so a test can kill the worker in the middle of a case.
- `FORMS_TEST_DELIVERY_PAUSE`: seconds the FIT-Connect transport sleeps after uploading the
  attachments and before the submit (`transports.backends.fitconnect._test_pause`).
- `FORMS_TEST_FITCONNECT_MIN_KEY_BITS`: the stand-in's test keys are 2048 bits (FIT-Connect
  requires 4096, the default).
"""

import os

from forms_engine.settings import *  # noqa: F403 - this module is the project settings plus two knobs

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["FORMS_TEST_EMAIL_DIR"]
FORMS_TEST_PIPELINE_PAUSE = float(os.environ.get("FORMS_TEST_PIPELINE_PAUSE", "0"))
FORMS_TEST_DELIVERY_PAUSE = float(os.environ.get("FORMS_TEST_DELIVERY_PAUSE", "0"))
FORMS_FITCONNECT_MIN_KEY_BITS = int(os.environ.get("FORMS_TEST_FITCONNECT_MIN_KEY_BITS", "4096"))
