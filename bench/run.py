"""`make bench`: every benchmark in bench/ on PostgreSQL, each figure as a ratio to a bare
Django view measured in the same run.

A benchmark is any bench/*.py module defining `def main(ctx)` (see bench/common.py:
`main(ctx: Context) -> list[Figure]`); a module whose `main()` takes only defaulted
arguments and returns rows of dicts is run too (Django set up first; each `*_ms` value of
a row becomes a figure named by the row's text values). run.py
1. creates a template database `<BENCH_DB>_template` on BENCH_DATABASE_URL's server
   (default postgres://postgres@127.0.0.1:5432/postgres, BENCH_DB default `bench`):
   migrated (cache table included), shipped library and demo data loaded;
2. runs bench/bare.py first (the floor), then every other module, each in its own process
   on its own copy of the template (`CREATE DATABASE … TEMPLATE`, dropped afterwards), with
   a time limit; a module that is missing, fails or times out is reported and skipped;
3. prints every figure with its ratio to the floor and writes them to var/bench/last.json.

Environment: QUICK=1 (a smoke run, about a minute), BENCH_ONLY=a,b (just these modules,
the floor always runs), BENCH_REDIS_URL (a Redis database of its own for the pipeline's
real worker; default redis://127.0.0.1:6379/13 when a Redis answers there, else that part
is left out), BENCH_TIMEOUT (seconds per module, 240).

    make bench            # or: .venv/bin/python bench/run.py [module ...]
"""

from __future__ import annotations

import ast
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from urllib.parse import urlparse, urlunparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import BARE_CPU, BARE_RATE, BARE_WALL, ROOT, Context, Figure  # noqa: E402

FLOOR = "bare"


DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


def bench_redis_url() -> str:
    """BENCH_REDIS_URL, else the machine's Redis (database 13, emptied) if it answers, else ""."""
    if "BENCH_REDIS_URL" in os.environ:
        return os.environ["BENCH_REDIS_URL"]
    import redis

    try:
        client = redis.Redis.from_url(DEFAULT_REDIS_URL, socket_connect_timeout=1)
        client.ping()
        client.flushdb()
    except redis.RedisError:
        return ""
    return DEFAULT_REDIS_URL


def with_db(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/" + name))


def admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(with_db(url, "postgres"), autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def benchmark_modules() -> list[str]:
    """Modules of bench/ that define `main(ctx)` (read, not imported), the floor first."""
    found = []
    for path in sorted(HERE.glob("*.py")):
        if path.stem in ("run", "common"):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError) as error:
            print(f"!! {path.name}: not readable ({error}); skipped")
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "main":
                args = node.args
                takes_ctx = bool(args.args) and args.args[0].arg == "ctx"
                all_defaults = len(args.defaults) == len(args.args) and not any(
                    d is None for d in args.kw_defaults
                )
                if takes_ctx or all_defaults:
                    found.append(path.stem)
    return sorted(found, key=lambda m: (m != FLOOR, m))


def child_env(database_url: str, tmp: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_CACHE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="forms_engine.settings",
        DJANGO_TESTING="1",
        DJANGO_DEBUG="0",
        DATABASE_URL=database_url,
        FORMS_UPLOAD_ROOT=str(Path(tmp) / "uploads"),
        FORMS_CASEFILE_ROOT=str(Path(tmp) / "casefiles"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def prepare_template(server: str, name: str) -> None:
    """Migrate (as deployed: DEBUG and test mode off, so the cache table is made), load the
    shipped library and demo data."""
    admin(server, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    with tempfile.TemporaryDirectory(prefix="bench-template-") as tmp:
        env = child_env(with_db(server, name), tmp)
        env.update(DJANGO_TESTING="0", DJANGO_SECRET_KEY="bench-template-only-" + "x" * 40)
        for args in (
            ["migrate", "--noinput"],
            ["createcachetable"],
            ["process_sync"],
            ["demo_setup"],
        ):
            subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
                [sys.executable, "manage.py", *args, "-v", "0"],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )


def run_module(module: str, ctx_json: str, out: Path, timeout: float) -> tuple[list, str]:
    """Run one module in its own process; (figures as dicts, error or "")."""
    ctx = Context.from_json(ctx_json)
    env = child_env(ctx.database_url, ctx.tmp)
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(HERE / "run.py"), "--child", module, str(out)],
            cwd=ROOT,
            env={**env, "BENCH_CTX": ctx_json},
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return [], f"timed out after {timeout:.0f} s"
    if done.returncode != 0 or not out.exists():
        return [], f"failed (exit code {done.returncode})"
    return json.loads(out.read_text()), ""


def child(module: str, out: str) -> None:
    """In the module's own process: import it, call main(ctx), write the figures."""
    import importlib
    import inspect

    ctx = Context.from_json(os.environ["BENCH_CTX"])
    main = importlib.import_module(module).main
    params = list(inspect.signature(main).parameters)
    if params[:1] == ["ctx"]:
        figures = main(ctx)
    else:  # an older standalone module: `main()` with defaults, rows of dicts
        import django

        django.setup()
        figures = [f for row in main() or [] for f in figures_from_row(row)]
    rows = [f.__dict__ if isinstance(f, Figure) else dict(f) for f in figures]
    Path(out).write_text(json.dumps(rows))


def figures_from_row(row) -> list[Figure]:
    """A row dict of an older module: its text values name it, each `*_ms` key is a figure."""
    if isinstance(row, Figure):
        return [row]
    if not isinstance(row, dict):
        return []
    label = " / ".join(str(v) for v in row.values() if isinstance(v, str))[:60]
    return [
        Figure(f"{label} {key[:-3]}".strip(), float(value))
        for key, value in row.items()
        if key.endswith("_ms") and isinstance(value, int | float)
    ]


def ratio(row: dict, floor: dict) -> str:
    compare, value = row.get("compare"), row["value"]
    base = {"wall": floor.get(BARE_WALL), "cpu": floor.get(BARE_CPU), "rate": floor.get(BARE_RATE)}
    if compare not in base or not base[compare] or not value:
        return ""
    times = base[compare] / value if compare == "rate" else value / base[compare]
    return f"{times:,.1f}×" if times >= 10 else f"{times:.2f}×"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2])
        return 0
    quick = os.environ.get("QUICK", "") not in ("", "0")
    server = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not urlparse(server).scheme.startswith("postgres"):
        sys.exit("bench/ misst auf PostgreSQL / measures on PostgreSQL: set BENCH_DATABASE_URL")
    prefix = os.environ.get("BENCH_DB", "bench")
    timeout = float(os.environ.get("BENCH_TIMEOUT", "240"))
    only = set(argv) | {m for m in os.environ.get("BENCH_ONLY", "").split(",") if m}
    modules = [m for m in benchmark_modules() if not only or m in only or m == FLOOR]
    if FLOOR not in modules:
        print(f"!! bench/{FLOOR}.py is missing: figures are printed without ratios")
    began = time.monotonic()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(
        f"== make bench{' (QUICK)' if quick else ''}: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load[0]:.2f}"
        if load
        else ""
    )
    template = f"{prefix}_template"
    prepare_template(server, template)
    print(
        f"template database {template} ready in {time.monotonic() - began:.0f} s; modules: {', '.join(modules)}"
    )
    results: dict[str, dict] = {}
    floor: dict[str, float] = {}
    try:
        redis_url = bench_redis_url()
        for module in modules:
            database = f"{prefix}_{module}"
            admin(
                server,
                f"DROP DATABASE IF EXISTS {database}",
                f"CREATE DATABASE {database} TEMPLATE {template}",
            )
            started = time.monotonic()
            with tempfile.TemporaryDirectory(prefix=f"bench-{module}-") as tmp:
                ctx = Context(
                    database_url=with_db(server, database),
                    quick=quick,
                    tmp=tmp,
                    redis_url=redis_url,
                )
                print(f"\n-- {module}", flush=True)
                try:
                    rows, error = run_module(
                        module, ctx.to_json(), Path(tmp) / "figures.json", timeout
                    )
                except Exception:  # noqa: BLE001 - one module never stops the run
                    rows, error = [], traceback.format_exc(limit=2)
            admin(server, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            seconds = time.monotonic() - started
            results[module] = {"figures": rows, "error": error, "seconds": seconds}
            if module == FLOOR:
                floor = {r["name"]: r["value"] for r in rows}
            for row in rows:
                print(
                    f"   {row['name']:<66} {row['value']:>10.2f} {row['unit']:<6} {ratio(row, floor):>9}  {row.get('note', '')}"
                )
            print(f"   ({seconds:.0f} s{', ' + error if error else ''})", flush=True)
    finally:
        admin(server, f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")
    total = time.monotonic() - began
    print(
        f"\n== {len(modules)} modules in {total:.0f} s; ratios: wall time ÷ one bare request "
        f"({floor.get(BARE_WALL, 0):.2f} ms), server CPU ÷ bare CPU per request "
        f"({floor.get(BARE_CPU, 0):.2f} ms), bare req/s ÷ req/s ({floor.get(BARE_RATE, 0):.0f}/s)"
    )
    out = ROOT / "var" / "bench" / "last.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"quick": quick, "seconds": total, "modules": results}, indent=1))
    failed = [m for m, r in results.items() if r["error"]]
    if failed:
        print(f"!! not measured: {', '.join(failed)}")
    return 1 if FLOOR in failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
