"""The lab: every host of an inventory as a podman system container on project-made bridges.

A node runs systemd as PID 1 and sshd with a generated key; Ansible reaches it over SSH at its
management address exactly as it reaches a real server. Everything the lab creates carries the
label io.stackwright.lab=<lab name>, so `down` removes exactly that and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import netaddr

from stackwright import contract, image, paths
from stackwright.validator import InventoryView

LABEL = "io.stackwright.lab"
SPEC_LABEL = "io.stackwright.spec"
HOST_LABEL = "io.stackwright.host"

# Groups whose services need a privileged node, and why. Other nodes get only what routing needs.
PRIVILEGED_GROUPS: dict[str, str] = {
    "control": "haproxy's systemd sandboxing and keepalived's VRRP need namespaces and raw sockets",
    "network": "the OVS userspace datapath needs /dev/net/tun and network namespaces",
    "compute": "libvirt/QEMU need /dev/kvm, /dev/net/tun and cgroup control; OVS as on network nodes",
    "storage": "Ceph OSDs keep their data on loop-backed files",
}
# Own network namespace: net.* sysctls and interfaces are the node's own to change; chronyd may
# run in its no-clock-control mode (it checks for CAP_SYS_TIME before starting).
UNPRIVILEGED_ARGS = ["--cap-add", "NET_ADMIN,SYS_TIME", "--security-opt", "unmask=/proc/sys"]
BOOT_TIMEOUT = 90
# openstack_service_wheel_dir's default: a lab node keeps its wheelhouse on the deploy host, so a
# re-created lab never downloads or builds a wheel twice (real hosts keep theirs on disk).
NODE_WHEEL_DIR = "/var/cache/stackwright/wheels"


class LabError(Exception):
    pass


def _mac(*parts: str) -> str:
    """A stable, locally administered MAC per node and network: a restarted node keeps its MAC,
    so the deploy host's ARP cache stays right (a new MAC would go unanswered until it expired)."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return ":".join(f"{b:02x}" for b in (0x02, *digest[:5]))


@dataclass(frozen=True)
class Network:
    name: str
    cidr: str
    gateway: str
    podman_name: str
    internal: bool


@dataclass
class Node:
    host: str
    container: str
    addresses: dict[str, str]
    privileged: bool
    groups: list[str] = field(default_factory=list)

    def run_args(self, lab: Lab, image_tag: str) -> list[str]:
        args = [
            "--name", self.container,
            "--hostname", self.host,
            "--label", f"{LABEL}={lab.name}",
            "--label", f"{HOST_LABEL}={self.host}",
            "--systemd=always",
            # The host role owns /etc/hosts, as on a real server.
            "--no-hosts",
            "--volume", f"{paths.wheel_cache()}:{NODE_WHEEL_DIR}",
        ]  # fmt: skip
        args += ["--privileged"] if self.privileged else UNPRIVILEGED_ARGS
        for net in lab.networks:
            if net.name in self.addresses:
                ip = self.addresses[net.name]
                mac = _mac(lab.name, self.host, net.name)
                args += ["--network", f"{net.podman_name}:ip={ip},mac={mac},interface_name={net.name[:15]}"]
        return [*args, image_tag, "/sbin/init"]

    def spec(self, lab: Lab, image_tag: str) -> str:
        return hashlib.sha256(json.dumps(self.run_args(lab, image_tag)).encode()).hexdigest()[:16]


@dataclass
class Lab:
    name: str
    networks: list[Network]
    nodes: list[Node]

    @property
    def dir(self):
        return paths.lab_dir(self.name)

    @property
    def key(self):
        return self.dir / "id_ed25519"

    @property
    def known_hosts(self):
        return self.dir / "known_hosts"


def _podman(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(["podman", *args], capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise LabError(f"podman {' '.join(args[:3])} failed: {proc.stderr.strip()}")
    return proc


def lab_name(view: InventoryView) -> str:
    name = view.shared("stackwright_lab_name")
    if not name:
        raise LabError(
            "the inventory sets no stackwright_lab_name; set it in group_vars/all to run it as a lab"
        )
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,19}", str(name)):
        raise LabError(f"stackwright_lab_name '{name}' must be 1-20 characters of a-z, 0-9 and '-'")
    return str(name)


def plan(view: InventoryView) -> Lab:
    """The lab an inventory describes. The inventory must have passed validation."""
    name = lab_name(view)
    networks = []
    for net_name, spec in (view.shared("stackwright_networks") or {}).items():
        cidr = netaddr.IPNetwork(spec["cidr"])
        gateway = spec.get("gateway") or str(cidr.network + 1)
        networks.append(
            Network(
                name=net_name,
                cidr=str(cidr),
                gateway=gateway,
                podman_name=f"sw-{name}-{net_name}",
                # Only the management network routes out (package registries); the deploy host
                # still has the gateway address on every bridge, to reach VIPs and floating IPs.
                internal=net_name != contract.REQUIRED_NETWORK,
            )
        )
    # The management network first: it carries the default route.
    networks.sort(key=lambda n: n.name != contract.REQUIRED_NETWORK)
    privileged_groups = set(view.shared("stackwright_lab_privileged_groups", list(PRIVILEGED_GROUPS)))
    nodes = []
    for host in view.hosts:
        hv = view.hostvars[host]
        groups = sorted(
            g for g, members in view.groups.items() if host in members and g not in contract.BUILTIN_GROUPS
        )
        addresses = {
            n.name: str(hv[contract.address_var(n.name)])
            for n in networks
            if hv.get(contract.address_var(n.name))
        }
        privileged = hv.get("stackwright_lab_privileged")
        if privileged is None:
            privileged = bool(privileged_groups.intersection(groups))
        nodes.append(Node(host, f"sw-{name}-{host}", addresses, bool(privileged), groups))
    return Lab(name, networks, nodes)


def _ensure_networks(lab: Lab, report: Callable[[str], None]) -> list[str]:
    changes = []
    for net in lab.networks:
        proc = _podman("network", "inspect", net.podman_name, check=False)
        if proc.returncode == 0:
            subnets = [s["subnet"] for s in json.loads(proc.stdout)[0].get("subnets", [])]
            if subnets != [net.cidr]:
                raise LabError(
                    f"podman network {net.podman_name} exists with subnets {subnets}, not {net.cidr}: "
                    f"run `stackwright lab down` for lab '{lab.name}' first"
                )
            continue
        args = ["network", "create", "--disable-dns", "--label", f"{LABEL}={lab.name}"]
        args += ["--subnet", net.cidr, "--gateway", net.gateway]
        if net.internal:
            args.append("--internal")
        _podman(*args, net.podman_name)
        report(f"network {net.podman_name} {net.cidr} created")
        changes.append(f"network {net.name}")
    return changes


def _ensure_key(lab: Lab) -> bool:
    lab.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if lab.key.exists():
        return False
    subprocess.run(
        [
            "ssh-keygen",
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            f"stackwright-lab-{lab.name}",
            "-f",
            str(lab.key),
        ],
        check=True,
    )
    return True


def inspect(container: str) -> dict | None:
    proc = _podman("container", "inspect", container, check=False)
    return json.loads(proc.stdout)[0] if proc.returncode == 0 else None


def _ensure_node(lab: Lab, node: Node, tag: str) -> str:
    """Create, recreate or start NODE's container; returns what was done ('' for nothing)."""
    spec = node.spec(lab, tag)
    info = inspect(node.container)
    if info and info["Config"]["Labels"].get(SPEC_LABEL) != spec:
        _podman("rm", "-f", "-t", "0", node.container)
        info, action = None, "recreated (its inventory entry or the node image changed)"
    else:
        action = "created"
    if info is None:
        paths.wheel_cache().mkdir(parents=True, exist_ok=True)
        _podman("run", "-d", "--label", f"{SPEC_LABEL}={spec}", *node.run_args(lab, tag))
        return action
    if not info["State"]["Running"]:
        _podman("start", node.container)
        return "started"
    return ""


def _exec(node: Node, *cmd: str, stdin: str | None = None) -> str:
    proc = subprocess.run(
        ["podman", "exec", "-i", node.container, *cmd],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise LabError(f"{node.host}: `{' '.join(cmd)}` failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def _wait_booted(node: Node, fresh: bool, report: Callable[[str], None]) -> None:
    """Wait until NODE's systemd finished booting.

    A node fresh from the image must boot with no failed unit: one that fails there is a defect
    of the image, the lab's own business. On a node that ran before, a failed unit came with what
    a deploy installed (e.g. nvme-cli's nvmf-autoconnect, which needs hardware a container lacks):
    that is the deploy's business (the host role masks such units in containers), and the node is
    as usable as it was, so it is reported, not refused.
    """
    deadline = time.monotonic() + BOOT_TIMEOUT
    while True:
        proc = subprocess.run(
            ["podman", "exec", node.container, "systemctl", "is-system-running", "--wait"],
            capture_output=True, text=True, check=False, timeout=BOOT_TIMEOUT,
        )  # fmt: skip
        state = proc.stdout.strip()
        if state in ("running", "degraded"):
            break
        if time.monotonic() > deadline:
            raise LabError(f"{node.host}: systemd did not finish booting ({state or proc.stderr.strip()})")
        time.sleep(0.5)
    if state == "degraded":
        failed = _exec(node, "systemctl", "--failed", "--no-legend", "--plain").strip()
        if fresh:
            raise LabError(f"{node.host}: units of the node image failed at boot:\n{failed}")
        report(
            f"node {node.host}: units failed (installed after the image, not the lab's concern):\n{failed}"
        )


def _wait_ssh(address: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((address, 22), timeout=2) as sock:
                if sock.recv(4).startswith(b"SSH"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise LabError(f"sshd at {address}:22 does not answer")
        time.sleep(0.3)


def _provision(lab: Lab, node: Node, fresh: bool, report: Callable[[str], None]) -> tuple[str, bool]:
    """Boot check, root's authorized key; returns the node's known_hosts line and whether the key was set."""
    _wait_booted(node, fresh, report)
    pubkey = lab.key.with_suffix(".pub").read_text()
    current = _exec(node, "sh", "-c", "cat /root/.ssh/authorized_keys 2>/dev/null || true")
    changed = current != pubkey
    if changed:
        _exec(
            node, "sh", "-c",
            "umask 077 && mkdir -p /root/.ssh && cat > /root/.ssh/authorized_keys",
            stdin=pubkey,
        )  # fmt: skip
    hostkey = _exec(node, "cat", "/etc/ssh/ssh_host_ed25519_key.pub").split()
    mgmt = node.addresses[contract.REQUIRED_NETWORK]
    _wait_ssh(mgmt)
    return f"{mgmt} {hostkey[0]} {hostkey[1]}", changed


def up(lab: Lab, report: Callable[[str], None] = print) -> list[str]:
    """Bring the lab to what the inventory describes; returns the changes made (empty: none)."""
    result = image.ensure(log=report)
    if result.built:
        report(f"node image {result.tag} built in {result.seconds:.0f} s")
    changes = []
    if _ensure_key(lab):
        changes.append("ssh key")
    changes += _ensure_networks(lab, report)
    fresh = {}
    for node in lab.nodes:
        action = _ensure_node(lab, node, result.tag)
        fresh[node.host] = action.startswith(("created", "recreated"))
        if action:
            report(f"node {node.host} {action}")
            changes.append(f"node {node.host} {action}")
    with ThreadPoolExecutor(max_workers=8) as pool:
        provisioned = list(pool.map(lambda n: _provision(lab, n, fresh[n.host], report), lab.nodes))
    for node, (_, key_changed) in zip(lab.nodes, provisioned, strict=True):
        if key_changed:
            changes.append(f"node {node.host} authorized key")
    known = "".join(line + "\n" for line, _ in provisioned)
    if not lab.known_hosts.exists() or lab.known_hosts.read_text() != known:
        lab.known_hosts.write_text(known)
        changes.append("known_hosts")
    return changes


def down(name: str, report: Callable[[str], None] = print) -> list[str]:
    """Remove every container and network labelled with lab NAME, and the lab's files."""
    removed = []
    containers = _podman(
        "ps", "-a", "--filter", f"label={LABEL}={name}", "--format", "{{.Names}}"
    ).stdout.split()
    if containers:
        _podman("rm", "-f", "-t", "0", *containers)
        removed += [f"container {c}" for c in containers]
    networks = _podman(
        "network", "ls", "--filter", f"label={LABEL}={name}", "--format", "{{.Name}}"
    ).stdout.split()
    if networks:
        _podman("network", "rm", *networks)
        removed += [f"network {n}" for n in networks]
    directory = paths.lab_dir(name)
    if directory.exists():
        shutil.rmtree(directory)
        removed.append(f"files {directory}")
    for item in removed:
        report(f"removed {item}")
    return removed


CGROUP_ROOT = Path("/sys/fs/cgroup")


def memory(cgroup_path: str, root: Path = CGROUP_ROOT) -> dict[str, int] | None:
    """A node's memory from its cgroup (v2 or v1), in bytes: ``used``, what its processes hold
    (anonymous memory, page cache excluded), and ``peak``, the most the cgroup has held since the
    node started (page cache included: what the host had to find). None if unreadable."""
    relative = cgroup_path.lstrip("/")
    for base, peak_file, used_key in (
        (root / relative, "memory.peak", "anon"),  # v2
        (root / "memory" / relative, "memory.max_usage_in_bytes", "total_rss"),  # v1
    ):
        try:
            stat = dict(line.split() for line in (base / "memory.stat").read_text().splitlines())
            return {"used": int(stat[used_key]), "peak": int((base / peak_file).read_text())}
        except (OSError, KeyError, ValueError):
            continue
    return None


def container_memory(info: dict | None) -> dict[str, int] | None:
    """:func:`memory` of a running container, from its ``podman inspect`` record."""
    state = (info or {}).get("State", {})
    return memory(state["CgroupPath"]) if state.get("Running") and state.get("CgroupPath") else None


def status(lab: Lab) -> list[dict]:
    rows = []
    for node in lab.nodes:
        info = inspect(node.container)
        state = "absent" if info is None else info["State"]["Status"]
        rows.append(
            {
                "host": node.host,
                "container": node.container,
                "state": state,
                "management": node.addresses.get(contract.REQUIRED_NETWORK, ""),
                "privileged": node.privileged,
                "groups": ",".join(node.groups),
                "memory": container_memory(info),
            }
        )
    return rows
