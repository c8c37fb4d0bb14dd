"""The run profile: the callback records every task's wall time per host; the report ranks them."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from stackwright import cli, paths, profile
from stackwright.profile import Record


def test_a_real_playbook_run_records_each_task_per_host(tmp_path):
    playbook = tmp_path / "p.yml"
    tasks = [
        {"name": "Sleep a little", "ansible.builtin.command": "sleep 0.4", "changed_when": False},
        {"name": "Skipped", "ansible.builtin.debug": {"msg": "x"}, "when": False},
        {"name": "Loop", "ansible.builtin.debug": {"msg": "{{ item }}"}, "loop": [1, 2]},
    ]
    play = {
        "name": "Timed play",
        "hosts": "all",
        "connection": "local",
        "gather_facts": False,
        "tasks": tasks,
    }
    playbook.write_text(yaml.safe_dump([play]))
    out = tmp_path / "run" / profile.FILENAME
    env = paths.ansible_env() | {profile.ENV: str(out)}
    python = f"ansible_python_interpreter={sys.executable}"
    proc = subprocess.run(
        [paths.tool("ansible-playbook"), "-i", "h1,h2,", "-e", python, str(playbook)],
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    records = profile.load(out)
    assert sorted((r.host, r.task, r.status) for r in records) == sorted(
        (host, task, status)
        for host in ("h1", "h2")
        for task, status in (("Sleep a little", "ok"), ("Skipped", "skipped"), ("Loop", "ok"))
    )
    slept = [r for r in records if r.task == "Sleep a little"]
    assert all(0.4 <= r.seconds < 10 for r in slept)
    assert {r.play for r in records} == {"Timed play"}
    assert profile.slowest_tasks(records, 1)[0].task == "Sleep a little"


RECORDS = [
    Record("Nova", "Probe KVM", "a", "ok", 100.0, 6.0),
    Record("Nova", "Probe KVM", "b", "ok", 100.5, 5.0),
    Record("Nova", "Write config", "a", "changed", 106.0, 1.0),
    Record("Heat", "Start", "a", "skipped", 110.0, 0.5),
]


def test_plays_are_timed_from_first_start_to_last_end_not_summed_over_hosts():
    assert profile.plays(RECORDS) == [("Nova", 7.0, 3), ("Heat", 0.5, 1)]
    assert profile.overview(RECORDS) == (4, 10.5, 10.5 / 4)


def test_report_and_the_cli_find_the_latest_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STACKWRIGHT_STATE_DIR", str(tmp_path))
    monkeypatch.delenv(profile.ENV, raising=False)
    older = tmp_path / "runs" / "20260101-000000-deploy" / "artifacts" / profile.FILENAME
    profile.write(older, RECORDS[:1])
    os.utime(older, (1, 1))
    newest = profile.target("playbooks/deploy.yml")
    profile.write(newest, RECORDS)
    assert profile.latest() == newest
    assert cli.main(["report", "--top", "2"]) == 0
    text = capsys.readouterr().out
    assert "4 task results in 10.5 s of tasks, 2.62 s per result" in text
    assert text.index("6.00 s  a  Nova | Probe KVM") < text.index("5.00 s  b  Nova | Probe KVM")
    assert "Write config" not in text  # --top 2
    assert cli.main(["report", "20260101"]) == 0
    assert "1 task results" in capsys.readouterr().out
    assert cli.main(["report", "nosuchrun"]) == 1
