"""Verify memcached, haproxy and keepalived on two control nodes, then fail the VIPs over.

The checks run over plain SSH with the lab's key (testinfra, as against any server); the
failover test sends HTTPS requests from this machine to the VIP over the lab bridge.
"""

from __future__ import annotations

import http.client
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from stackwright import labtest

NODES = {"lb1": "172.29.248.11", "lb2": "172.29.248.12"}
VIPS = {"management": "172.29.248.10", "external": "172.29.249.10"}
DOMAIN = "mol.stackwright.test"
CA = "/etc/stackwright/pki/ca.crt"
DEMO_PORT = 8443
LAB = "mol-vip"
SECRETS = Path(__file__).resolve().parents[1] / "inventory" / "group_vars" / "all" / "secrets.yml"
# Keeps systemd from restarting haproxy while the failover test holds it down.
NO_RESTART = "/run/systemd/system/haproxy.service.d/zz-test-no-restart.conf"

# Failover test bounds: a request every 50 ms for at most 30 s, each with short timeouts.
POLL_INTERVAL = 0.05
POLL_LIMIT = 30.0
REQUEST_TIMEOUT = 0.5
# The goal: the service answers through the other node within 3 s of haproxy's death (measured
# here: about 1 s, the keepalived check interval plus the VRRP takeover).
FAILOVER_LIMIT = 3.0


def ssh_node(name):
    """A node over plain SSH with the lab's key: multiplexed, not an Ansible run per check."""
    return labtest.node(LAB, NODES[name])


@pytest.fixture
def node(name):
    return ssh_node(name)


@pytest.fixture(scope="module")
def nodes():
    return {n: ssh_node(n) for n in NODES}


def tcp_exchange(node, address, port, request):
    """Send REQUEST to ADDRESS:PORT from NODE (bash's /dev/tcp) and return the answer."""
    script = f"exec 3<>/dev/tcp/{address}/{port} && printf '{request}' >&3 && cat <&3"
    return node.run(f"timeout 3 bash -c {script!r}")


def holders(nodes, vip):
    return [n for n, h in nodes.items() if f" {vip}/32 " in f" {h.check_output('ip -4 -o addr show')} "]


def keepalived_state(node, instance):
    """The last state keepalived logged for INSTANCE (MASTER, BACKUP, FAULT)."""
    lines = node.check_output(
        f"journalctl -u keepalived -o cat --no-pager | grep -F '({instance}) Entering' | tail -n1"
    )
    return lines.split("Entering ")[-1].split()[0] if lines else ""


def test_memcached_listens_on_the_management_address_only(node, name):
    tcp = node.check_output("ss -Hltn 'sport = :11211'").splitlines()
    assert [line.split()[3] for line in tcp] == [f"{NODES[name]}:11211"]
    assert node.check_output("ss -Hlun 'sport = :11211'") == ""
    stats = tcp_exchange(node, NODES[name], 11211, r"stats settings\r\nquit\r\n").stdout
    settings = dict(line.split()[1:3] for line in stats.splitlines() if line.startswith("STAT "))
    assert settings["maxbytes"] == str(1024 * 1024 * 1024)
    assert settings["maxconns"] == "4096"
    assert settings["udpport"] == "0"
    assert node.service("memcached").is_enabled
    # Not on loopback, and reachable from the peer over the management network.
    assert tcp_exchange(node, "127.0.0.1", 11211, r"version\r\n").rc != 0
    peer = next(n for n in NODES if n != name)
    assert tcp_exchange(node, NODES[peer], 11211, r"version\r\nquit\r\n").stdout.startswith("VERSION ")


def test_haproxy_loads_the_fragments_and_binds_the_vips(node):
    assert node.sysctl("net.ipv4.ip_nonlocal_bind") == 1
    # The running haproxy loads the fragment directory (systemd drop-in).
    cmdline = node.check_output("tr '\\0' ' ' < /proc/$(systemctl show -p MainPID --value haproxy)/cmdline")
    assert "-f /etc/haproxy/conf.d" in cmdline
    assert node.run("haproxy -c -f /etc/haproxy/haproxy.cfg -f /etc/haproxy/conf.d").rc == 0
    for fragment in ("00-stats.cfg", "demo.cfg", "demo-tcp.cfg"):
        f = node.file(f"/etc/haproxy/conf.d/{fragment}")
        assert f.mode == 0o640 and f.group == "haproxy"
    for pem in ("vip", "host"):
        f = node.file(f"/etc/haproxy/certs/{pem}.pem")
        assert f.mode == 0o640 and f.user == "root" and f.group == "haproxy"
        assert "PRIVATE KEY" in f.content_string and "CERTIFICATE" in f.content_string
    # Every node listens on the VIPs, whether it holds them or not.
    listening = node.check_output("ss -Hltn").split()
    for vip in VIPS.values():
        assert f"{vip}:{DEMO_PORT}" in listening
    assert f"{VIPS['management']}:11311" in listening
    assert f"{VIPS['external']}:11311" not in listening


@pytest.mark.parametrize("vip", sorted(VIPS.values()))
def test_service_through_the_vips_with_tls(node, vip):
    served = set()
    for _ in range(4):
        out = node.check_output(
            f"curl -sS --max-time 5 --cacert {CA} -D - https://{vip}:{DEMO_PORT}/index.html"
        )
        assert out.startswith("HTTP/2 200")
        served.add(out.split()[-1])
    # Round robin over both backends.
    assert served == set(NODES)
    # The VIP certificate also carries the API names.
    for fqdn in (f"api.{DOMAIN}", f"api-int.{DOMAIN}"):
        url = f"https://{fqdn}:{DEMO_PORT}/"
        assert (
            node.run(f"curl -sS --max-time 5 --cacert {CA} --resolve {fqdn}:{DEMO_PORT}:{vip} {url}").rc == 0
        )


def test_tcp_service_through_the_internal_vip(node):
    out = tcp_exchange(node, VIPS["management"], 11311, r"version\r\nquit\r\n").stdout
    assert out.startswith("VERSION ")


def test_stats_page_needs_the_password(node, name):
    password = yaml.safe_load(SECRETS.read_text())["haproxy_stats_password"]
    url = f"https://{NODES[name]}:1936/;csv"
    base = f"curl -sS --max-time 5 --cacert {CA} -o /dev/null -w '%{{http_code}}' '{url}'"
    assert node.check_output(base) == "401"
    assert node.check_output(f"{base} -u admin:wrong-password") == "401"
    csv = node.check_output(f"curl -sS --max-time 5 --cacert {CA} -u admin:{password} '{url}'")
    servers = {tuple(line.split(",")[:2]): line.split(",") for line in csv.splitlines()}
    for backend in ("demo-back", "demo-tcp-back"):
        for server in NODES:
            row = servers[(backend, server)]
            # status, then the last check's result: both backends pass their HTTP checks.
            assert row[17] == "UP" and row[36] == "L7OK", (backend, server, row[17], row[36])


def test_each_vip_on_exactly_one_node(nodes):
    for instance, vip in VIPS.items():
        assert len(holders(nodes, vip)) == 1, f"{vip} held by {holders(nodes, vip)}"
        states = sorted(keepalived_state(h, instance) for h in nodes.values())
        assert states == ["BACKUP", "MASTER"], f"{instance}: {states}"


@dataclass
class Probe:
    start: float
    end: float
    ok: bool
    served_by: str = ""


def _poll(ctx, stop, probes):
    """An HTTPS request to the internal VIP every POLL_INTERVAL, each on a new connection."""
    deadline = time.monotonic() + POLL_LIMIT
    while not stop.is_set() and time.monotonic() < deadline:
        start = time.monotonic()
        conn = http.client.HTTPSConnection(
            VIPS["management"], DEMO_PORT, timeout=REQUEST_TIMEOUT, context=ctx
        )
        try:
            conn.request("GET", "/index.html")
            resp = conn.getresponse()
            resp.read()
            probes.append(
                Probe(start, time.monotonic(), resp.status == 200, resp.getheader("X-Served-By", ""))
            )
        except (OSError, http.client.HTTPException):
            probes.append(Probe(start, time.monotonic(), False))
        finally:
            conn.close()
        time.sleep(max(0.0, start + POLL_INTERVAL - time.monotonic()))


def test_vips_fail_over_when_haproxy_dies(nodes, tmp_path):
    (holder,) = holders(nodes, VIPS["management"])
    (other,) = (n for n in NODES if n != holder)
    ca = tmp_path / "ca.crt"
    ca.write_text(nodes[holder].file(CA).content_string)
    ctx = ssl.create_default_context(cafile=str(ca))
    probes: list[Probe] = []
    stop = threading.Event()
    poller = threading.Thread(target=_poll, args=(ctx, stop, probes), daemon=True)
    victim = nodes[holder]
    victim.check_output(
        f"mkdir -p {Path(NO_RESTART).parent} && printf '[Service]\\nRestart=no\\n' > {NO_RESTART}"
        " && systemctl daemon-reload"
    )
    try:
        poller.start()
        time.sleep(1)
        assert probes and all(p.ok and p.served_by == holder for p in probes), probes
        killed_at = time.monotonic()
        victim.check_output("systemctl kill -s KILL haproxy")
        while time.monotonic() - killed_at < POLL_LIMIT - 1:
            if any(p.ok and p.served_by == other and p.start > killed_at for p in probes):
                break
            time.sleep(POLL_INTERVAL)
        time.sleep(0.5)
        stop.set()
        poller.join()
        after = [p for p in probes if p.start >= killed_at]
        failed = [p for p in after if not p.ok]
        recovered = next((p for p in after if p.ok and p.served_by == other), None)
        assert recovered is not None, f"no request answered by {other} within {POLL_LIMIT} s"
        failover = recovered.end - killed_at
        outage = (max(p.end for p in failed) - min(p.start for p in failed)) if failed else 0.0
        print(
            f"\nVIP failover {holder} -> {other}: service back after {failover:.2f} s "
            f"(failed requests: {len(failed)} of {len(after)} sent after the kill, "
            f"first to last failure {outage:.2f} s)"
        )
        print(f"\nFIGURE vip failover: {failover:.2f}s, {len(failed)}/{len(after)} failed")
        # Every request after recovery succeeded through the new holder.
        assert all(p.ok and p.served_by == other for p in after if p.start > recovered.end)
        assert failover < FAILOVER_LIMIT
        for instance, vip in VIPS.items():
            assert holders(nodes, vip) == [other], f"{instance} VIP {vip} did not move to {other}"
            assert keepalived_state(victim, instance) == "FAULT"
    finally:
        stop.set()
        victim.run(f"rm -f {NO_RESTART} && systemctl daemon-reload")
        victim.run("systemctl reset-failed haproxy; systemctl start haproxy")

    # Healthy again: haproxy back, the VIPs stay where they are (nopreempt), the old holder a backup.
    assert victim.service("haproxy").is_running
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if all(keepalived_state(victim, i) == "BACKUP" for i in VIPS):
            break
        time.sleep(0.5)
    for instance, vip in VIPS.items():
        assert keepalived_state(victim, instance) == "BACKUP"
        assert holders(nodes, vip) == [other]
    for vip in VIPS.values():
        out = victim.check_output(
            f"curl -sS --max-time 5 --cacert {CA} -D - https://{vip}:{DEMO_PORT}/index.html"
        )
        assert out.startswith("HTTP/2 200") and f"x-served-by: {other}" in out.lower()


def test_no_failed_units(node):
    assert node.check_output("systemctl --failed --no-legend --plain") == ""
