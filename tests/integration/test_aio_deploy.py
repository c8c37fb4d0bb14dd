"""The main job on the AIO lab: deploy, re-run as a no-op, and fail loudly and precisely."""

from __future__ import annotations

import io
import re
import stat
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from stackwright import paths, runner

from .conftest import DEPLOY, REPO, cloud_connection, figure, main_job, stackwright

pytestmark = pytest.mark.lab
SERVICES = [
    "chrony", "ssh", "haproxy", "keepalived", "memcached", "mariadb", "rabbitmq-server",
    "stackwright-wheels", "keystone-api", "glance-api", "placement-api",
    "ovn-central", "openvswitch-switch", "ovn-host", "libvirtd",
    "neutron-api", "neutron-periodic-workers", "neutron-ovn-maintenance-worker", "neutron-ovn-metadata-agent",
    "nova-api", "nova-metadata", "nova-conductor", "nova-scheduler", "nova-novncproxy", "nova-compute",
    "ceph-mon@aio1", "ceph-mgr@aio1", "ceph-osd@0", "cinder-api", "cinder-scheduler", "cinder-volume",
    "heat-api", "heat-api-cfn", "heat-engine", "horizon",
]  # fmt: skip


def node(*cmd: str, stdin: str | None = None, check: bool = True) -> str:
    """A command's output on the AIO node (STDIN fed to it when given)."""
    return subprocess.run(
        ["podman", "exec", "-i", "sw-aio-aio1", *cmd],
        input=stdin or "",
        capture_output=True,
        text=True,
        check=check,
    ).stdout


def started_at(service: str) -> str:
    return node("systemctl", "show", "-P", "ActiveEnterTimestampMonotonic", service).strip()


AIO = REPO / "inventories" / "aio"


def snapshot() -> dict[str, bytes]:
    """The generated secrets file and every PKI file, with their modes."""
    files = [AIO / "group_vars" / "all" / "secrets.yml", *sorted((AIO / "pki").rglob("*"))]
    return {str(p): p.read_bytes() + oct(p.stat().st_mode).encode() for p in files if p.is_file()}


def secret_strings() -> list[str]:
    values = list(yaml.safe_load((AIO / "group_vars" / "all" / "secrets.yml").read_text()).values())
    # Each private key's base64 body lines are secrets too.
    for key in (AIO / "pki").rglob("*.key"):
        values += [line for line in key.read_text().splitlines() if "-----" not in line]
    return values


def logs(artifacts: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in artifacts.rglob("*") if p.is_file())


def run_log(proc: subprocess.CompletedProcess) -> Path:
    """The artifacts of the run a CLI invocation reported (`log: PATH` in its summary)."""
    return Path(re.findall(r"log: (\S+)", proc.stderr)[-1])


def run_seconds(proc: subprocess.CompletedProcess) -> float:
    return float(re.findall(r"run (?:in check mode )?\S+ in ([0-9.]+) s", proc.stderr)[-1])


def run_stats(artifacts: Path) -> dict[str, dict[str, int]]:
    """ok/changed/failures/... per host: the run's events folded as the CLI folds them."""
    progress = runner.Progress(out=io.StringIO())
    for event in runner.events(artifacts):
        progress(event)
    return progress.stats


def test_main_job_run_twice_changes_nothing(aio_cloud):
    """The README's main command, run again as it invites: it succeeds, changes nothing, restarts nothing."""
    first = DEPLOY["proc"]
    assert "run succeeded" in first.stderr
    figure("aio deploy", run_seconds(first))
    first_log = run_log(first)

    before = {s: started_at(s) for s in SERVICES}
    files = snapshot()
    start = time.monotonic()
    second = main_job()
    figure("aio main job (scripts/aio), second run", time.monotonic() - start)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-3000:]
    figure("aio deploy, no-op re-run", run_seconds(second))
    stats = run_stats(run_log(second))
    assert stats and all(s.get("changed", 0) == 0 and not s.get("failures") and not s.get("dark")
                         for s in stats.values()), stats  # fmt: skip
    assert {s: started_at(s) for s in SERVICES} == before, "a service restarted on a no-op run"

    # Secrets and certificates survive the re-run byte for byte, private and never printed.
    assert snapshot() == files
    assert stat.S_IMODE((AIO / "group_vars" / "all" / "secrets.yml").stat().st_mode) == 0o600
    assert stat.S_IMODE((AIO / "pki" / "ca.key").stat().st_mode) == 0o600
    output = first.stdout + first.stderr + second.stdout + second.stderr
    output += logs(first_log) + logs(run_log(second))
    leaked = [v[:6] + "..." for v in secret_strings() if v in output]
    assert leaked == [], f"secret values in the Ansible output: {leaked}"


def check_run() -> subprocess.CompletedProcess:
    start = time.monotonic()
    proc = stackwright("deploy", "-i", "inventories/aio", "--check", timeout=1800)
    figure("aio deploy --check", time.monotonic() - start)
    return proc


def test_check_reports_only_a_hand_edit_and_a_stopped_service_and_changes_neither(aio_cloud):
    """One check run on the deployed cloud proves both halves: what drifted is reported, with its
    diff, and nothing else would change (every task checked, no other file or service)."""
    conf = "/etc/nova/nova.conf"
    original = node("cat", conf)
    assert "\n[DEFAULT]\n" in "\n" + original
    edited = original.replace("[DEFAULT]\n", "[DEFAULT]\ncpu_allocation_ratio = 7.5\n", 1)
    node("sh", "-c", f"cat > {conf}", stdin=edited)
    node("systemctl", "stop", "heat-engine")
    try:
        before = {s: started_at(s) for s in SERVICES if s != "heat-engine"}
        proc = check_run()
        out = proc.stderr
        assert proc.returncode == 0, out[-3000:]
        # What would change: the file, with its diff; the processes reading it; the stopped service.
        report = out[out.index("would change (") :]
        changed = re.findall(r"^  aio1: (.+)$", report.split("\nrun ")[0], re.MULTILINE)
        nova_readers = {"nova-api", "nova-metadata", "nova-conductor", "nova-scheduler", "nova-novncproxy",
                        "nova-compute"}  # fmt: skip
        assert f"Write the config files of nova [{conf}]" in changed, report
        restarts = {c.rsplit("[", 1)[1].rstrip("]") for c in changed if c.startswith("Restart the processes")}
        assert restarts and restarts <= nova_readers, report
        assert "Start the processes of heat [heat-engine]" in changed, report
        assert len(changed) == 2 + len(restarts), report
        assert "+cpu_allocation_ratio = 7.5" not in report and "-cpu_allocation_ratio = 7.5" in report, report
        assert "not checked" not in report, report
        # Secrets are masked in the diff, never printed.
        assert [v[:6] for v in secret_strings() if v in out + logs(run_log(proc))] == []
        # Nothing was changed: the edit is still there, heat-engine still stopped, nothing restarted.
        assert node("cat", conf) == edited
        assert node("systemctl", "is-active", "heat-engine", check=False).strip() == "inactive"
        assert {s: started_at(s) for s in SERVICES if s != "heat-engine"} == before
    finally:
        node("sh", "-c", f"cat > {conf}", stdin=original)
        node("systemctl", "start", "heat-engine")


def test_nodes_trust_the_deployment_ca(aio_lab):
    verify = subprocess.run(
        ["podman", "exec", "sw-aio-aio1", "openssl", "verify",
         "/etc/stackwright/pki/host.crt", "/etc/stackwright/pki/vip.crt"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
    key_mode = subprocess.run(
        ["podman", "exec", "sw-aio-aio1", "stat", "-c", "%a %U:%G", "/etc/stackwright/pki/host.key"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert key_mode == ["640", "root:stackwright-pki"]


def test_failing_run_names_host_and_task(aio_lab):
    proc = stackwright("run", "host", "-i", "inventories/aio", "-e", "host_supported_major_version=12")
    assert proc.returncode == 2
    assert "FAILED on aio1, task 'Check the host runs the supported distribution'" in proc.stderr
    assert "supports Debian 12 only" in proc.stderr


def test_unreachable_host_stops_the_deploy_before_any_change(aio_cloud):
    before = snapshot()
    # aio1 at a loopback port nothing listens on: refused at once
    proc = stackwright(
        "deploy", "-i", "inventories/aio", "-e", "ansible_host=127.0.0.2", "-e", "ansible_port=1", timeout=300
    )
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "FAILED on aio1, task 'Reach the host and its Python'" in proc.stderr, proc.stderr[-2000:]
    assert "Connection refused" in proc.stderr or "UNREACHABLE" in proc.stderr + proc.stdout
    assert "Secrets |" not in proc.stdout + proc.stderr
    assert snapshot() == before


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


def test_cloud_answers_through_the_public_vip(aio_cloud):
    """A token through the public VIP (TLS, deployment CA) and the catalog of the deployed services."""
    assert stat.S_IMODE(aio_cloud.stat().st_mode) == 0o600
    conn = cloud_connection()
    start = time.monotonic()
    token = conn.auth_token
    figure("aio token through the public VIP", time.monotonic() - start)
    assert token
    assert conn.config.config["auth"]["auth_url"].startswith("https://172.29.239.10:5000")
    catalog = {entry["type"]: entry for entry in conn.service_catalog}
    assert {"identity", "image", "placement", "compute", "network", "orchestration", "cloudformation"} <= set(
        catalog
    )
    for entry in catalog.values():
        interfaces = {e["interface"]: e["url"] for e in entry["endpoints"]}
        assert set(interfaces) == {"public", "internal", "admin"}, entry["type"]
        assert interfaces["public"].startswith("https://172.29.239.10:")
        assert interfaces["internal"].startswith("https://172.29.236.10:")
    # Each API answers through its public endpoint.
    assert isinstance(list(conn.image.images()), list)
    assert conn.placement.get("/").json()["versions"]
    assert {p.name for p in conn.identity.projects()} >= {"admin", "service"}
    # nova-compute found the hypervisor, neutron's OVN chassis and metadata agent are up.
    assert [h.status for h in conn.compute.hypervisors()] == ["enabled"]
    agents = {a.agent_type: a.is_alive for a in conn.network.agents()}
    assert agents.get("OVN Controller Gateway agent") or agents.get("OVN Controller agent"), agents
    assert agents.get("OVN Metadata agent"), agents
    # The cloud's defaults: flavors, the test guest image, the public network.
    assert {"m1.tiny", "m1.small"} <= {f.name for f in conn.compute.flavors()}
    assert conn.image.find_image("stackwright-guest").status == "active"
    assert conn.network.find_network("public").is_router_external


def fernet_keys() -> list[int]:
    listing = subprocess.run(
        ["podman", "exec", "sw-aio-aio1", "ls", "/etc/keystone/fernet-keys"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(int(name) for name in listing.split())


def test_fernet_key_rotation_keeps_issued_tokens_valid(aio_cloud):
    issued = cloud_connection().auth_token
    keys = fernet_keys()
    restarts = started_at("keystone-api")
    proc = stackwright("run", "keystone-rotate-keys", "-i", "inventories/aio")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rotated = fernet_keys()
    # a new primary key; the old primary stays as a secondary, so what it signed still validates
    assert max(rotated) == max(keys) + 1 and keys[-1] in rotated, (keys, rotated)
    conn = cloud_connection()
    assert conn.auth_token != issued
    answer = conn.identity.get("/auth/tokens", headers={"X-Subject-Token": issued}, raise_exc=False)
    assert answer.status_code == 200, answer.text
    assert started_at("keystone-api") == restarts, "keystone restarted for new keys"
