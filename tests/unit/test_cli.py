"""The CLI's own decisions: validation first, playbook choice, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stackwright import cli, runner


def bad_inventory(tmp_path: Path) -> Path:
    (tmp_path / "hosts.yml").write_text(
        yaml.safe_dump({"all": {"hosts": {"h1": {}}, "children": {"computes": {"hosts": {"h1": None}}}}})
    )
    return tmp_path


def test_deploy_refuses_a_bad_inventory_before_running_anything(tmp_path, monkeypatch, capsys):
    called = []
    monkeypatch.setattr(runner, "run_playbook", lambda *a, **k: called.append(a))
    assert cli.main(["deploy", "-i", str(bad_inventory(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert "nothing was changed" in err
    assert "host 'h1', variable 'management_address'" in err
    assert "group 'computes'" in err
    assert called == []


def test_validate_reports_and_exits_non_zero(tmp_path, capsys):
    assert cli.main(["validate", "-i", str(bad_inventory(tmp_path))]) == 1
    assert cli.main(["validate", "-i", "inventories/multinode"]) == 0
    assert "7 hosts, valid" in capsys.readouterr().out


def test_missing_inventory_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["validate", "-i", str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_run_names_the_available_verbs():
    with pytest.raises(SystemExit, match=r"no playbook 'frobnicate'; available: .*deploy"):
        cli._playbook("frobnicate")
    assert cli._playbook("deploy").name == "deploy.yml"


def test_extra_vars_need_key_value():
    assert cli._extravars(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    with pytest.raises(SystemExit, match="key=value"):
        cli._extravars(["oops"])


def test_deploy_summary_names_the_dashboard_and_client_files(tmp_path):
    from stackwright import cli  # noqa: PLC0415

    assert cli.where(tmp_path) == []
    (tmp_path / "clouds.yaml").write_text(
        "clouds:\n  aio:\n    auth:\n      auth_url: https://172.29.239.10:5000/v3\n"
    )
    lines = cli.where(tmp_path)
    assert lines[0].startswith("dashboard: https://172.29.239.10/")
    assert any(str(tmp_path / "openrc") in line for line in lines)
    assert any("OS_CLIENT_CONFIG_FILE=" in line and "--os-cloud aio" in line for line in lines)
