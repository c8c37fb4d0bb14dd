"""Where a run's time went: each task's wall time per host, then the slowest tasks and plays.

The callback plugin stackwright.cloud.profile writes one JSON line per task result (play, task,
host, status, start, seconds) into the run's directory; `stackwright report` and the end of every
CLI run read them back through this module.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from stackwright import paths

FILENAME = "profile.jsonl"
ENV = "STACKWRIGHT_PROFILE"  # where the callback writes; set by the CLI to the run's directory
KEEP = 20


@dataclass
class Record:
    play: str
    task: str
    host: str
    status: str
    start: float
    seconds: float


def target(playbook: str) -> Path:
    """The file a run writes its profile to: the CLI's run directory, or one of its own."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    runs = paths.state_dir() / "profiles"
    runs.mkdir(parents=True, exist_ok=True)
    for old in sorted(runs.glob("*.jsonl"))[:-KEEP]:
        old.unlink(missing_ok=True)
    return runs / f"{time.strftime('%Y%m%d-%H%M%S')}-{Path(playbook).stem}.jsonl"


def write(path: Path, records: list[Record]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        out.writelines(json.dumps(asdict(r)) + "\n" for r in records)


def load(path: Path) -> list[Record]:
    return [Record(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def latest() -> Path | None:
    """The newest profile of any run (CLI or plain ansible-playbook)."""
    root = paths.state_dir()
    found = list((root / "runs").glob(f"*/artifacts/{FILENAME}")) + list((root / "profiles").glob("*.jsonl"))
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def find(name: str) -> Path | None:
    """A run's profile by its directory (or profile file), or by a run name under the state dir."""
    for candidate in (Path(name), Path(name) / FILENAME, Path(name) / "artifacts" / FILENAME):
        if candidate.is_file():
            return candidate
    matches = sorted((paths.state_dir() / "runs").glob(f"*{name}*/artifacts/{FILENAME}"))
    return matches[-1] if matches else None


def slowest_tasks(records: list[Record], count: int = 10) -> list[Record]:
    return sorted(records, key=lambda r: r.seconds, reverse=True)[:count]


def plays(records: list[Record]) -> list[tuple[str, float, int]]:
    """Each play's wall time (its hosts run in parallel: first start to last end) and result count."""
    spans: dict[str, list[float]] = defaultdict(lambda: [float("inf"), 0.0, 0])
    for r in records:
        span = spans[r.play]
        span[0] = min(span[0], r.start)
        span[1] = max(span[1], r.start + r.seconds)
        span[2] += 1
    return sorted(((p, s[1] - s[0], int(s[2])) for p, s in spans.items()), key=lambda t: t[1], reverse=True)


def overview(records: list[Record]) -> tuple[int, float, float]:
    """Task results, wall time from the first task's start to the last one's end, mean per result."""
    if not records:
        return 0, 0.0, 0.0
    wall = max(r.start + r.seconds for r in records) - min(r.start for r in records)
    return len(records), wall, wall / len(records)


def report(records: list[Record], count: int = 10) -> str:
    results, wall, mean = overview(records)
    lines = [f"{results} task results in {wall:.1f} s of tasks, {mean:.2f} s per result"]
    lines.append(f"slowest tasks ({min(count, results)}):")
    lines += [
        f"  {r.seconds:7.2f} s  {r.host}  {r.play} | {r.task} ({r.status})"
        for r in slowest_tasks(records, count)
    ]
    lines.append("plays by wall time:")
    lines += [f"  {seconds:7.1f} s  {play} ({n} results)" for play, seconds, n in plays(records)[:count]]
    return "\n".join(lines)
