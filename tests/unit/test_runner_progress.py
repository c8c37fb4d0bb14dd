"""Folding ansible-runner events into progress lines, failures and the summary."""

from __future__ import annotations

import io
from pathlib import Path

from stackwright.runner import Progress, RunResult, summary


def ev(kind, **data):
    return {"event": kind, "event_data": data}


def feed(progress, events):
    for event in events:
        progress(event)


EVENTS = [
    ev("playbook_on_play_start", play="Configure every node's base"),
    ev("playbook_on_task_start", task="Install the base packages"),
    ev("runner_on_ok", host="a", task="Install the base packages", res={"changed": True}),
    ev(
        "runner_on_failed",
        host="b",
        task="Install the base packages",
        res={"msg": "no such package", "stderr": "E: x"},
    ),
    ev("runner_on_failed", host="a", task="Optional", ignore_errors=True, res={"msg": "ignored"}),
    ev("runner_on_unreachable", host="c", task="Install the base packages", res={"msg": "ssh: timeout"}),
    ev("playbook_on_task_start", task="Secret", task_action="copy"),
    ev("runner_on_failed", host="a", task="Secret", res={"censored": "the output has been hidden (no_log)"}),
    ev(
        "playbook_on_stats",
        ok={"a": 3, "b": 1},
        changed={"a": 1},
        failures={"b": 1, "a": 1},
        dark={"c": 1},
        skipped={},
    ),
]


def test_log_mode_prints_a_line_per_task_and_failures_as_they_happen():
    out = io.StringIO()
    progress = Progress(out=out, live=False)
    feed(progress, EVENTS)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("Configure every node's base | Install the base packages")
    assert any(line.endswith("b: FAILED") for line in lines)
    assert not any("a: FAILED" in line for line in lines[:4])  # ignore_errors is not a failure


def test_failures_keep_host_task_and_message_but_never_hidden_output():
    progress = Progress(out=io.StringIO(), live=False)
    feed(progress, EVENTS)
    assert [(f.host, f.task) for f in progress.failures] == [
        ("b", "Install the base packages"),
        ("c", "Install the base packages"),
        ("a", "Secret"),
    ]
    assert progress.failures[0].message == "no such package\nE: x"
    assert progress.failures[2].message == "the output has been hidden (no_log)"


def test_live_mode_rewrites_one_status_line_with_hosts_done():
    out = io.StringIO()
    progress = Progress(out=out, live=True)
    feed(progress, EVENTS[:4])
    assert "\r\033[K" in out.getvalue() and "2/2 hosts done" in out.getvalue()


def test_summary_table_and_verdict():
    progress = Progress(out=io.StringIO(), live=False)
    feed(progress, EVENTS)
    result = RunResult(False, 2, 12.3, progress.stats, progress.failures, Path("/tmp/art"))
    out = io.StringIO()
    summary(result, out)
    text = out.getvalue()
    rows = {
        line.split()[0]: line.split()[1:] for line in text.splitlines() if line[:1] in "abc" and line.strip()
    }
    assert rows["a"] == ["3", "1", "1", "0", "0"]
    assert rows["c"] == ["0", "0", "0", "1", "0"]
    assert "FAILED on b, task 'Install the base packages':" in text
    assert "run FAILED (rc=2) in 12.3 s" in text
    assert result.changed() == 1
