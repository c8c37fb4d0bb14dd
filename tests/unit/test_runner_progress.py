"""Folding ansible-runner events into progress lines, failures and the summary."""

from __future__ import annotations

import io
import json
from pathlib import Path

from stackwright.runner import Progress, RunResult, events, render_diff, summary


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


def test_events_come_back_in_the_order_they_happened(tmp_path):
    # ansible-runner names event files <counter>-<uuid>.json: as text, 10 sorts before 9. The
    # tenant test once read a run's last task from such a listing and found the wrong one.
    jobs = tmp_path / "ident" / "job_events"
    jobs.mkdir(parents=True)
    tasks = {3: "Load the tenant description", 12: "Validate the tenant description and plan its steps"}
    for counter in range(1, 15):
        kind = "playbook_on_task_start" if counter in tasks else "runner_on_ok"
        event = {"counter": counter, "event": kind, "event_data": {"task": tasks.get(counter, "")}}
        (jobs / f"{counter}-{counter:08x}-uuid.json").write_text(json.dumps(event))
    (jobs / "ffff-partial.json").write_text(json.dumps({"uuid": "ffff"}))
    assert sorted(p.name for p in jobs.iterdir())[-2].startswith("9-")  # the trap
    found = events(tmp_path)
    assert [e["counter"] for e in found] == list(range(1, 15))
    started = [e["event_data"]["task"] for e in found if e["event"] == "playbook_on_task_start"]
    assert started[-1] == "Validate the tenant description and plan its steps"


CHECK_EVENTS = [
    ev("playbook_on_play_start", play="Nova"),
    ev("playbook_on_task_start", task="Write the config files of nova"),
    ev(
        "runner_item_on_ok",
        host="aio1",
        task="Write the config files of nova",
        res={
            "changed": True,
            "_ansible_item_label": "/etc/nova/nova.conf",
            "diff": [
                {
                    "before": "[DEFAULT]\ncpu_allocation_ratio = 2.0\npassword = ********\n",
                    "after": "[DEFAULT]\ncpu_allocation_ratio = 4.0\npassword = ********\n",
                    "before_header": "/etc/nova/nova.conf",
                    "after_header": "rendered",
                }
            ],
        },
    ),
    ev("runner_item_on_ok", host="aio1", task="Write the config files of nova", res={"changed": False}),
    ev(
        "runner_on_ok",
        host="aio1",
        task="Write the config files of nova",
        res={"changed": True, "results": []},
    ),
    ev("playbook_on_task_start", task="Keep heat-engine running"),
    ev(
        "runner_on_ok",
        host="aio1",
        task="Keep heat-engine running",
        res={"changed": True, "state": "started"},
    ),
    ev("playbook_on_task_start", task="Bootstrap keystone"),
    ev(
        "runner_on_skipped",
        host="aio1",
        task="Bootstrap keystone",
        res={"skipped": True, "msg": "Command would have run if not in check mode"},
    ),
    ev(
        "runner_on_skipped",
        host="aio1",
        task="Only on computes",
        res={"skip_reason": "Conditional result was False"},
    ),
    ev("playbook_on_stats", ok={"aio1": 3}, changed={"aio1": 2}, skipped={"aio1": 2}),
]


def test_check_mode_reports_each_change_with_its_diff_and_what_it_could_not_check():
    progress = Progress(out=io.StringIO(), live=False, check=True)
    feed(progress, CHECK_EVENTS)
    assert [(c.task, c.item) for c in progress.changes] == [
        ("Write the config files of nova", "/etc/nova/nova.conf"),
        ("Keep heat-engine running", ""),
    ]
    assert [c.task for c in progress.unchecked] == ["Bootstrap keystone"]
    result = RunResult(
        True, 0, 9.0, progress.stats, [], Path("/tmp/art"), True, progress.changes, progress.unchecked
    )
    out = io.StringIO()
    summary(result, out)
    text = out.getvalue()
    assert "would change (2):" in text
    assert "aio1: Write the config files of nova [/etc/nova/nova.conf]" in text
    assert "-cpu_allocation_ratio = 2.0" in text and "+cpu_allocation_ratio = 4.0" in text
    assert "aio1: Bootstrap keystone: Command would have run if not in check mode" in text
    assert "in check mode succeeded, nothing was changed" in text


def test_check_mode_with_nothing_to_change_says_so():
    progress = Progress(out=io.StringIO(), live=False, check=True)
    feed(progress, CHECK_EVENTS[:1] + CHECK_EVENTS[-1:])
    result = RunResult(
        True, 0, 1.0, progress.stats, [], Path("/tmp/art"), True, progress.changes, progress.unchecked
    )
    out = io.StringIO()
    summary(result, out)
    assert "would change: nothing" in out.getvalue()


def test_a_state_diff_lists_the_attributes_that_differ():
    diff = {"before": {"path": "/etc/x", "state": "absent"}, "after": {"path": "/etc/x", "state": "link"}}
    assert render_diff(diff) == "state: absent -> link"
