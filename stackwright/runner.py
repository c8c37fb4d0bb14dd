"""Run a playbook through ansible-runner with live progress and a closing summary."""

from __future__ import annotations

import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import ansible_runner

from stackwright import paths

KEEP_RUNS = 20


@dataclass
class Failure:
    host: str
    task: str
    message: str


@dataclass
class Progress:
    """Folds ansible-runner events into what an operator wants to see while a play runs."""

    out: TextIO = sys.stderr
    live: bool = False
    start: float = field(default_factory=time.monotonic)
    play: str = ""
    task: str = ""
    play_hosts: set[str] = field(default_factory=set)
    task_done: set[str] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)

    def elapsed(self) -> str:
        seconds = int(time.monotonic() - self.start)
        return f"{seconds // 60:02d}:{seconds % 60:02d}"

    def _show(self) -> None:
        line = f"[{self.elapsed()}] {self.play} | {self.task}"
        if self.live:
            # One status line, rewritten in place, with how many hosts finished the task
            # (first, so that a narrow terminal cuts the task name, not the count).
            total = max(len(self.play_hosts), len(self.task_done))
            line = f"[{self.elapsed()}] {len(self.task_done)}/{total} hosts done | {self.play} | {self.task}"
            width = shutil.get_terminal_size().columns - 1
            self.out.write("\r\033[K" + line[:width])
        else:
            # A log: one line per task as it starts, failures as they happen.
            self.out.write(line + "\n")
        self.out.flush()

    def __call__(self, event: dict) -> bool:
        kind = event.get("event", "")
        data = event.get("event_data", {})
        if kind == "playbook_on_play_start":
            self.play = data.get("play", "") or data.get("name", "")
            self.play_hosts = set()
            self.task = "gathering"
            self.task_done = set()
        elif kind == "playbook_on_task_start":
            self.task = data.get("task", "") or data.get("task_action", "")
            self.play_hosts |= self.task_done
            self.task_done = set()
            if not self.live:
                self._show()
        elif kind in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable", "runner_on_skipped"):
            host = data.get("host", "?")
            self.task_done.add(host)
            self.play_hosts.add(host)
            if kind in ("runner_on_failed", "runner_on_unreachable") and not data.get("ignore_errors"):
                failure = Failure(host, data.get("task", self.task), _message(data.get("res", {})))
                self.failures.append(failure)
                if not self.live:
                    self.out.write(f"[{self.elapsed()}]   {host}: FAILED\n")
        elif kind == "playbook_on_stats":
            for key in ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored"):
                for host, count in (data.get(key) or {}).items():
                    self.stats.setdefault(host, {})[key] = count
        if self.live and kind.startswith(("runner_on", "playbook_on_task_start", "playbook_on_play_start")):
            self._show()
        return True


def _message(res: dict) -> str:
    if res.get("censored"):
        return res["censored"]
    parts = [str(res.get("msg", "")).strip()]
    for key in ("stderr", "module_stderr"):
        if res.get(key):
            parts.append(str(res[key]).strip()[-800:])
    return "\n".join(p for p in parts if p) or "failed"


@dataclass
class RunResult:
    ok: bool
    rc: int
    seconds: float
    stats: dict[str, dict[str, int]]
    failures: list[Failure]
    artifacts: Path

    def changed(self) -> int:
        return sum(s.get("changed", 0) for s in self.stats.values())


def _run_dir(playbook: Path) -> Path:
    runs = paths.state_dir() / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    for old in sorted(runs.iterdir())[:-KEEP_RUNS]:
        shutil.rmtree(old, ignore_errors=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    directory = runs / f"{stamp}-{playbook.stem}"
    suffix = 1
    while directory.exists():
        directory = runs / f"{stamp}-{playbook.stem}-{suffix}"
        suffix += 1
    directory.mkdir()
    return directory


def run_playbook(
    playbook: Path,
    inventory: Path,
    *,
    extravars: dict | None = None,
    limit: str | None = None,
    check: bool = False,
    out: TextIO = sys.stderr,
) -> RunResult:
    paths.tools_on_path()
    progress = Progress(out=out, live=out.isatty())
    private = _run_dir(playbook)
    cmdline = ["--check", "--diff"] if check else []
    result = ansible_runner.run(
        private_data_dir=str(private),
        project_dir=str(paths.REPO),
        playbook=str(playbook.resolve()),
        inventory=str(inventory.resolve()),
        extravars=extravars or {},
        limit=limit,
        cmdline=" ".join(cmdline) or None,
        envvars={"ANSIBLE_CONFIG": str(paths.ANSIBLE_CFG)},
        event_handler=progress,
        quiet=True,
    )
    if progress.live:
        out.write("\n")
    ok = result.status == "successful" and result.rc == 0
    if not ok and not progress.failures:
        # ansible-playbook failed before any task (bad syntax, missing command): show its words.
        text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout.read())
        tail = "\n".join(line for line in text.strip().splitlines()[-15:] if line.strip())
        progress.failures.append(Failure("-", "ansible-playbook", tail or f"status {result.status}"))
    return RunResult(
        ok,
        result.rc,
        time.monotonic() - progress.start,
        progress.stats,
        progress.failures,
        private / "artifacts",
    )


def summary(result: RunResult, out: TextIO = sys.stderr) -> None:
    hosts = sorted(result.stats)
    if hosts:
        width = max(4, *(len(h) for h in hosts))
        out.write(
            f"\n{'host':<{width}}  {'ok':>4} {'changed':>7} {'failed':>6} {'unreach':>7} {'skipped':>7}\n"
        )
        for host in hosts:
            s = result.stats[host]
            out.write(
                f"{host:<{width}}  {s.get('ok', 0):>4} {s.get('changed', 0):>7} {s.get('failures', 0):>6} "
                f"{s.get('dark', 0):>7} {s.get('skipped', 0):>7}\n"
            )
    for failure in result.failures:
        out.write(f"\nFAILED on {failure.host}, task '{failure.task}':\n  {failure.message}\n")
    verdict = "succeeded" if result.ok else f"FAILED (rc={result.rc})"
    out.write(f"\nrun {verdict} in {result.seconds:.1f} s; log: {result.artifacts}\n")
