"""Run a playbook through ansible-runner with live progress and a closing summary."""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import ansible_runner

from stackwright import paths, profile

KEEP_RUNS = 20


@dataclass
class Failure:
    host: str
    task: str
    message: str


@dataclass
class Change:
    """What a check-mode run found it would change (or could not check) on one host."""

    host: str
    task: str
    item: str = ""
    diff: str = ""

    def where(self) -> str:
        return f"{self.host}: {self.task}" + (f" [{self.item}]" if self.item else "")


# How Ansible words a result it skipped because the run is in check mode.
_CHECK_SKIP = re.compile(r"check mode|check_mode")


def _label(data: dict) -> str:
    res = data.get("res", {})
    label = res.get("_ansible_item_label", data.get("item", ""))
    return "" if label in ("", None) else str(label)


def render_diff(diff) -> str:
    """Ansible's diff result (one dict or a list of them) as unified diff text."""
    parts = []
    for entry in diff if isinstance(diff, list) else [diff]:
        if not isinstance(entry, dict):
            continue
        if entry.get("prepared"):
            parts.append(str(entry["prepared"]).rstrip("\n"))
        if "before" in entry or "after" in entry:
            before, after = entry.get("before", ""), entry.get("after", "")
            if isinstance(before, dict) and isinstance(after, dict):
                # A module's state (file, user, ...): the attributes that differ.
                keys = sorted(set(before) | set(after), key=str)
                parts += [
                    f"{key}: {before.get(key, '-')} -> {after.get(key, '-')}"
                    for key in keys
                    if before.get(key) != after.get(key)
                ]
                continue
            lines = difflib.unified_diff(
                str(before).splitlines(keepends=True),
                str(after).splitlines(keepends=True),
                fromfile=str(entry.get("before_header", "before")),
                tofile=str(entry.get("after_header", "after")),
                n=1,
            )
            parts.append("".join(lines).rstrip("\n"))
    return "\n".join(p for p in parts if p)


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
    # Check mode: what would change, and what could not be checked (skipped in check mode).
    check: bool = False
    changes: list[Change] = field(default_factory=list)
    unchecked: list[Change] = field(default_factory=list)

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
            if self.check:
                self._collect(kind, data)
        elif kind in ("runner_item_on_ok", "runner_item_on_skipped") and self.check:
            self._collect(kind, data)
        elif kind == "playbook_on_stats":
            for key in ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored"):
                for host, count in (data.get(key) or {}).items():
                    self.stats.setdefault(host, {})[key] = count
        if self.live and kind.startswith(("runner_on", "playbook_on_task_start", "playbook_on_play_start")):
            self._show()
        return True

    def _collect(self, kind: str, data: dict) -> None:
        res = data.get("res", {})
        if "results" in res:
            return  # a loop: its items were collected one by one
        change = Change(data.get("host", "?"), data.get("task", self.task), _label(data))
        if kind.endswith("on_ok") and res.get("changed"):
            change.diff = "" if res.get("censored") else render_diff(res.get("diff", []))
            self.changes.append(change)
        elif kind.endswith("on_skipped") or res.get("skipped"):
            reason = str(res.get("msg") or res.get("skip_reason") or "")
            if _CHECK_SKIP.search(reason):
                change.diff = reason
                self.unchecked.append(change)


def events(artifacts: Path) -> list[dict]:
    """A finished run's events in the order they happened.

    ansible-runner names each event file `<counter>-<uuid>.json`: sorted as text, event 10 comes
    before event 9, so order by the counter itself. Partial files (events never completed) are not
    events of the run.
    """
    found = []
    for path in artifacts.glob("*/job_events/*.json"):
        if path.name.endswith("-partial.json"):
            continue
        event = json.loads(path.read_text())
        found.append((int(event.get("counter", path.name.split("-", 1)[0])), event))
    return [event for _, event in sorted(found, key=lambda pair: pair[0])]


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
    check: bool = False
    changes: list[Change] = field(default_factory=list)
    unchecked: list[Change] = field(default_factory=list)

    def changed(self) -> int:
        return sum(s.get("changed", 0) for s in self.stats.values())


def strategy_env() -> dict[str, str]:
    """Ansible settings for STACKWRIGHT_STRATEGY: by default (`mitogen`) plays run with mitogen's
    linear strategy (one persistent interpreter per host instead of a module upload and a Python
    start per task: no-op runs take half the time); `linear` keeps Ansible's own."""
    choice = os.environ.get("STACKWRIGHT_STRATEGY", "") or "mitogen"
    if choice == "linear":
        return {}
    if choice != "mitogen":
        raise SystemExit(f"STACKWRIGHT_STRATEGY must be mitogen or linear, not {choice!r}")
    import ansible_mitogen.plugins.strategy as mitogen_strategy  # noqa: PLC0415 - only when chosen

    return {
        "ANSIBLE_STRATEGY_PLUGINS": str(Path(mitogen_strategy.__file__).parent),
        "ANSIBLE_STRATEGY": "mitogen_linear",
    }


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
    progress = Progress(out=out, live=out.isatty(), check=check)
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
        envvars={
            "ANSIBLE_CONFIG": str(paths.ANSIBLE_CFG),
            profile.ENV: str(private / "artifacts" / profile.FILENAME),
            **strategy_env(),
        },
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
        check,
        progress.changes,
        progress.unchecked,
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
    if result.check:
        _check_report(result, out)
    for failure in result.failures:
        out.write(f"\nFAILED on {failure.host}, task '{failure.task}':\n  {failure.message}\n")
    profiled = result.artifacts / profile.FILENAME
    if profiled.is_file():
        records = profile.load(profiled)
        count, _, mean = profile.overview(records)
        slowest = ", ".join(f"{r.task} {r.seconds:.1f} s" for r in profile.slowest_tasks(records, 3))
        out.write(
            f"\n{count} task results, {mean:.2f} s each; slowest: {slowest} (stackwright report: more)\n"
        )
    verdict = "succeeded" if result.ok else f"FAILED (rc={result.rc})"
    if result.check:
        verdict = f"in check mode {verdict}, nothing was changed"
    out.write(f"\nrun {verdict} in {result.seconds:.1f} s; log: {result.artifacts}\n")


def _check_report(result: RunResult, out: TextIO) -> None:
    """What a check-mode run would change, with diffs, and what it could not check."""
    if not result.changes:
        out.write("\nwould change: nothing\n")
    else:
        out.write(f"\nwould change ({len(result.changes)}):\n")
    for change in result.changes:
        out.write(f"  {change.where()}\n")
        for line in change.diff.splitlines():
            out.write(f"      {line}\n")
    if result.unchecked:
        out.write(f"\nnot checked, would run outside check mode ({len(result.unchecked)}):\n")
        for change in result.unchecked:
            out.write(f"  {change.where()}: {change.diff}\n")
