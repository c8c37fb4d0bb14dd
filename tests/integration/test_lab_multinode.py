"""The multinode lab: 7 hosts up, reachable by Ansible, idempotent, and gone without a trace."""

from __future__ import annotations

import subprocess
import time

import pytest

from stackwright import paths

from .conftest import BIN, REPO, figure, lab_containers, stackwright

pytestmark = pytest.mark.lab


def bridges() -> set[str]:
    out = subprocess.run(
        ["ip", "-o", "link", "show", "type", "bridge"], capture_output=True, text=True, check=True
    )
    return {line.split(":")[1].strip() for line in out.stdout.splitlines()}


def podman_networks() -> set[str]:
    out = subprocess.run(
        ["podman", "network", "ls", "--format", "{{.Name}}"], capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


@pytest.fixture
def clean_multinode():
    """A clean slate before, and nothing left after, whatever happens: the test owns this lab."""
    assert stackwright("lab", "down", "-i", "inventories/multinode").returncode == 0
    yield
    stackwright("lab", "down", "-i", "inventories/multinode")


def test_multinode_lab_lifecycle(clean_multinode):
    bridges_before, networks_before = bridges(), podman_networks()

    start = time.monotonic()
    up = stackwright("lab", "up", "-i", "inventories/multinode")
    assert up.returncode == 0, up.stdout + up.stderr
    figure("multinode lab up, 7 hosts", time.monotonic() - start)
    containers = lab_containers("multinode")
    assert len(containers) == 7 and all(c["State"] == "running" for c in containers)

    ping = subprocess.run(
        [str(BIN / "ansible"), "-i", "inventories/multinode", "all", "-m", "ansible.builtin.ping", "-o"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert ping.stdout.count("SUCCESS") == 7

    status = stackwright("lab", "status", "-i", "inventories/multinode")
    assert status.returncode == 0 and status.stdout.count("running") == 7

    # A second `lab up` changes nothing: same containers, not restarted, same files.
    started = {c["Names"][0]: c["StartedAt"] for c in containers}
    known_hosts = (paths.lab_dir("multinode") / "known_hosts").read_text()
    start = time.monotonic()
    again = stackwright("lab", "up", "-i", "inventories/multinode")
    figure("multinode lab up, second run", time.monotonic() - start)
    assert again.returncode == 0 and "no changes" in again.stdout, again.stdout + again.stderr
    assert {c["Names"][0]: c["StartedAt"] for c in lab_containers("multinode")} == started
    assert (paths.lab_dir("multinode") / "known_hosts").read_text() == known_hosts

    # A stopped node (as after a reboot of the deploy host) is started again, not tripped over.
    subprocess.run(["podman", "stop", "-t", "0", "sw-multinode-cmp2"], check=True, capture_output=True)
    restarted = stackwright("lab", "up", "-i", "inventories/multinode")
    assert restarted.returncode == 0 and "node cmp2 started" in restarted.stdout, restarted.stderr
    ping = subprocess.run(
        [str(BIN / "ansible"), "-i", "inventories/multinode", "cmp2", "-m", "ansible.builtin.ping", "-o"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ping.returncode == 0, ping.stdout + ping.stderr

    down = stackwright("lab", "down", "-i", "inventories/multinode")
    assert down.returncode == 0
    assert lab_containers("multinode") == []
    assert podman_networks() == networks_before
    assert not any(n.startswith("sw-multinode-") for n in podman_networks())
    assert bridges() == bridges_before
    assert not paths.lab_dir("multinode").exists()
