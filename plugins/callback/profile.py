"""Callback plugin: record every task's wall time per host into the run's profile."""

from __future__ import annotations

import time

from ansible.plugins.callback import CallbackBase

from stackwright import profile

DOCUMENTATION = r"""
name: profile
type: aggregate
author: stackwright developers
short_description: Every task's wall time per host, written to the run's profile
description:
  - Writes one JSON line per task result (play, task, host, status, start, seconds) when the
    playbook ends, into C($STACKWRIGHT_PROFILE) (the CLI points it at the run's directory) or
    else into C(~/.local/state/stackwright/profiles/). C(stackwright report) lists the slowest
    tasks and plays of the latest run.
requirements:
  - enabled in ansible.cfg (callbacks_enabled)
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "stackwright.cloud.profile"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._playbook = "playbook"
        self._play = ""
        self._started: dict[tuple[str, str], float] = {}
        self._records: list[profile.Record] = []

    def v2_playbook_on_start(self, playbook):
        self._playbook = getattr(playbook, "_file_name", None) or "playbook"

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name().strip()

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()

    def _done(self, result, status: str) -> None:
        host, task = result._host.get_name(), result._task
        end = time.time()
        start = self._started.pop((host, task._uuid), end)
        name = task.get_name().strip()
        self._records.append(profile.Record(self._play, name, host, status, start, end - start))

    def v2_runner_on_ok(self, result):
        self._done(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._done(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._done(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        profile.write(profile.target(self._playbook), self._records)
