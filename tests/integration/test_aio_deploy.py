"""The main job on the AIO lab: deploy, re-run as a no-op, and fail loudly and precisely."""

from __future__ import annotations

import subprocess
import time

import pytest

from stackwright import paths, runner

from .conftest import REPO, figure, stackwright

pytestmark = pytest.mark.lab
SERVICES = ["chrony", "ssh"]


def started_at(service: str) -> str:
    return subprocess.run(
        [
            "podman",
            "exec",
            "sw-aio-aio1",
            "systemctl",
            "show",
            "-P",
            "ActiveEnterTimestampMonotonic",
            service,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_deploy_then_rerun_changes_nothing(aio_lab):
    start = time.monotonic()
    first = stackwright("deploy", "-i", "inventories/aio")
    assert first.returncode == 0, first.stderr[-3000:]
    figure("aio deploy", time.monotonic() - start)
    assert "run succeeded" in first.stderr

    before = {s: started_at(s) for s in SERVICES}
    result = runner.run_playbook(paths.PLAYBOOKS / "deploy.yml", REPO / "inventories" / "aio")
    figure("aio deploy, no-op re-run", result.seconds)
    assert result.ok, result.failures
    assert result.changed() == 0, result.stats
    assert {s: started_at(s) for s in SERVICES} == before, "a service restarted on a no-op run"


def test_failing_run_names_host_and_task(aio_lab):
    proc = stackwright("run", "host", "-i", "inventories/aio", "-e", "host_supported_major_version=12")
    assert proc.returncode == 2
    assert "FAILED on aio1, task 'Check the host runs the supported distribution'" in proc.stderr
    assert "supports Debian 12 only" in proc.stderr


def test_playbook_validation_gate_touches_no_host(tmp_path):
    """ansible-playbook without the CLI: the validate play stops a bad inventory before any host."""
    (tmp_path / "hosts.yml").write_text(
        "all:\n  hosts:\n"
        "    h1: {management_address: 127.0.0.2, ansible_host: 127.0.0.2, ansible_port: 1}\n"
        "    h2: {management_address: 127.0.0.2, ansible_host: 127.0.0.3, ansible_port: 1}\n"
        "  children:\n    compute:\n      hosts: {h1: null, h2: null}\n"
        "  vars:\n    stackwright_networks: {management: {cidr: 127.0.0.0/8}}\n"
    )
    proc = subprocess.run(
        [str(paths.tool("ansible-playbook")), "-i", str(tmp_path), str(paths.PLAYBOOKS / "deploy.yml")],
        cwd=REPO,
        env=paths.ansible_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "host 'h2', variable 'management_address': 127.0.0.2 is already used by host 'h1'" in out
    assert "UNREACHABLE" not in out and "Gathering Facts" not in out
