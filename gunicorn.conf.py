"""gunicorn settings of the engine (read automatically when gunicorn starts in this directory).

    gunicorn forms_engine.wsgi            # 2 sync workers on 127.0.0.1:8000, preloaded

The application is loaded once in the master (`preload_app`) and warmed there
(`forms_engine.catalog.warmup`: published definitions compiled, templates loaded, URLs and
translations ready, the catalog and each start page requested once) before the workers are forked, so no worker's first request pays for
start-up. FORMS_WARM_UP=0 turns the warm-up off (bench/ compares both).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
preload_app = True


def when_ready(server):
    """In the master, after the application is preloaded and before the workers fork."""
    if os.environ.get("FORMS_WARM_UP", "1") == "0":
        return
    from forms_engine.catalog.warmup import warm_up

    try:
        done = warm_up()
    except Exception:  # noqa: BLE001 - a failed warm-up only makes first requests slower
        server.log.exception("warm-up failed; workers start cold")
        return
    server.log.info(
        "warmed up in %.2f s: %d definitions, %d templates, %d pages",
        done["seconds"],
        done["definitions"],
        done["templates"],
        done["pages"],
    )
