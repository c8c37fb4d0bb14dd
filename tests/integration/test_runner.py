"""ansible-runner plumbing with a real ansible-playbook (no lab needed)."""

from __future__ import annotations

import io

from stackwright import runner

from .conftest import REPO


def test_a_playbook_that_cannot_start_reports_ansibles_own_words(tmp_path, monkeypatch):
    # Not activated: the virtualenv's commands must still be found.
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("STACKWRIGHT_STATE_DIR", str(tmp_path / "state"))
    bad = tmp_path / "bad.yml"
    bad.write_text("- hosts: all\n  tasks: [oops\n")
    result = runner.run_playbook(bad, REPO / "inventories" / "aio", out=io.StringIO())
    assert not result.ok
    (failure,) = result.failures
    assert failure.task == "ansible-playbook" and "YAML parsing failed" in failure.message
    assert "\x1b[" not in failure.message
    out = io.StringIO()
    runner.summary(result, out)
    assert "FAILED on -, task 'ansible-playbook'" in out.getvalue()
    assert result.artifacts.is_relative_to(tmp_path / "state")


def test_validate_playbook_runs_on_the_controller_only(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKWRIGHT_STATE_DIR", str(tmp_path / "state"))
    # No lab is needed: validation contacts no host.
    result = runner.run_playbook(
        REPO / "playbooks" / "validate.yml", REPO / "inventories" / "multinode", out=io.StringIO()
    )
    assert result.ok, result.failures
    assert result.changed() == 0
