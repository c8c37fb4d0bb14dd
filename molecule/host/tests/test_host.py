"""Verify the host role on the scenario's lab nodes (testinfra over SSH, as any server)."""

from __future__ import annotations

import hashlib
import subprocess

import pytest

from stackwright import labtest

PEERS = {"db1": "172.29.244.11", "cmp1": "172.29.244.21"}
DOMAIN = "mol.stackwright.test"
LAB = "mol-host"


@pytest.fixture
def node(name):
    """The node over plain SSH with the lab's key: multiplexed, not an Ansible run per check."""
    return labtest.node(LAB, PEERS[name])


def test_hostname_and_hosts_file(node, name):
    assert node.check_output("hostname") == name
    hosts = node.file("/etc/hosts").content_string
    for peer, address in PEERS.items():
        assert f"{address} {peer}.{DOMAIN} {peer}" in hosts
    # Every node resolves and reaches every other over the management network.
    for peer, address in PEERS.items():
        assert node.check_output(f"getent hosts {peer}").split()[0] == address
        assert node.run(f"ping -c1 -W2 {peer}").rc == 0


def test_apt_sources(node):
    sources = node.file("/etc/apt/sources.list.d/debian.sources").content_string
    assert "Suites: trixie trixie-updates" in sources
    assert "Suites: trixie-security" in sources
    assert not node.file("/etc/apt/sources.list").exists
    assert node.run("apt-get -s install chrony").rc == 0


def test_extra_ca_bundle_is_trusted(node):
    extra = node.file("/usr/local/share/ca-certificates/stackwright-extra.crt")
    assert extra.exists and extra.mode == 0o644
    with open("/etc/ssl/certs/ca-certificates.crt", "rb") as fh:
        deploy_host_bundle = fh.read().decode()
    assert extra.sha256sum == hashlib.sha256(deploy_host_bundle.encode()).hexdigest()
    # update-ca-certificates folded it into the system bundle that OpenSSL and pip read.
    first_cert = deploy_host_bundle.split("-----END CERTIFICATE-----")[0]
    assert (
        first_cert.strip().splitlines()[-1] in node.file("/etc/ssl/certs/ca-certificates.crt").content_string
    )


def test_chrony_serves_local_clock_without_public_sources(node):
    chrony = node.service("chrony")
    assert chrony.is_running and chrony.is_enabled
    conf = node.file("/etc/chrony/chrony.conf").content_string
    assert "pool " not in conf and "server " not in conf
    assert "local stratum 10" in conf
    assert "-x" in node.file("/etc/default/chrony").content_string
    tracking = node.check_output("chronyc -n tracking")
    assert "Stratum         : 10" in tracking


def test_routing_sysctls(node):
    assert node.sysctl("net.ipv4.ip_forward") == 1
    assert node.sysctl("net.ipv6.conf.all.forwarding") == 1
    assert node.sysctl("net.ipv4.conf.all.rp_filter") == 2
    assert node.file("/etc/sysctl.d/60-stackwright.conf").contains("net.ipv4.ip_forward = 1")


@pytest.mark.parametrize("package", ["chrony", "curl", "rsync", "sudo", "tcpdump", "python3-apt"])
def test_base_packages(node, package):
    assert node.package(package).is_installed


def test_deploy_user(node, name):
    user = node.user("stackwright")
    assert user.exists and user.shell == "/bin/bash"
    keys = node.file("/home/stackwright/.ssh/authorized_keys")
    assert keys.mode == 0o600 and keys.user == "stackwright"
    sudoers = node.file("/etc/sudoers.d/stackwright")
    assert sudoers.mode == 0o440
    assert node.run("visudo -cf /etc/sudoers.d/stackwright").rc == 0
    # From the deploy host: log in as the deploy user with the lab key and become root.
    out = subprocess.run(
        ["ssh", "-i", labtest.key(LAB), *labtest.ssh_args(LAB), f"stackwright@{PEERS[name]}",
         "sudo -n id -un"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "root"


def test_no_failed_units(node):
    assert node.check_output("systemctl --failed --no-legend --plain") == ""
