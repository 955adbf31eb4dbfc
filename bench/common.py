"""Shared helpers for the benchmarks: timing, medians, the shipped library and samples."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
SAMPLES = ROOT / "fixtures" / "answers"
DUMMY_UPLOAD = "upload:00000000-0000-4000-8000-000000000001"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forms_engine.settings")
os.environ.setdefault("DJANGO_TESTING", "1")


def timed(fn: Callable[[], object], repeat: int, warmup: int = 3) -> list[float]:
    """Wall-clock seconds of `repeat` calls of `fn`, after `warmup` unmeasured calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p_ms(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct))] * 1000


def latest_definitions() -> dict[str, dict]:
    """process id → the definition dict of its highest shipped version."""
    out = {}
    for directory in sorted(p for p in PROCESSES.iterdir() if p.is_dir()):
        files = sorted(directory.glob("*.json"), key=lambda p: [int(x) for x in p.stem.split(".")])
        if files:
            out[directory.name] = json.loads(files[-1].read_text(encoding="utf-8"))
    return out


def substitute_uploads(value, ref: str = DUMMY_UPLOAD):
    if isinstance(value, str) and value.startswith("@file:"):
        return ref
    if isinstance(value, dict):
        return {k: substitute_uploads(v, ref) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_uploads(v, ref) for v in value]
    return value


def sample_files(process_id: str, kind: str = "valid") -> list[Path]:
    return sorted((SAMPLES / process_id).glob(f"{kind}-*.json"))


def load_sample(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
