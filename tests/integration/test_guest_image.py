"""The tiny test guest: built by the CLI, booted under QEMU TCG as nova would boot it.

QEMU's user-mode network is restricted to the guest's own /24 in 169.254.169.0: DHCP comes from
QEMU, the guest's 169.254.169.254:80 is forwarded to a metadata server this test runs on loopback,
and SSH reaches the guest through a loopback port. No packet leaves this machine.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import figure, record, stackwright

pytestmark = pytest.mark.lab

READY = "STACKWRIGHT-GUEST ready"
USER_DATA = b"""#!/bin/sh
echo "user data ran on $(hostname)" > /run/user-data-proof
echo USER-DATA-OUTPUT
"""
# One guestfwd connection = one run of this program, its stdin/stdout the guest's TCP stream.
FORWARDER = """\
import socket, sys, threading
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def up():
    while data := sys.stdin.buffer.raw.read(65536):
        sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)
threading.Thread(target=up, daemon=True).start()
while data := sock.recv(65536):
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
"""


class MetadataServer(ThreadingHTTPServer):
    """Metadata paths on loopback; the first `fail_first` requests fail like a slow metadata agent."""

    def __init__(self, files: dict[str, bytes], fail_first: int = 0):
        self.files = files
        self.requests: list[str] = []
        self.failures_left = fail_first
        super().__init__(("127.0.0.1", 0), MetadataHandler)


class MetadataHandler(BaseHTTPRequestHandler):
    server: MetadataServer

    def do_GET(self):
        self.server.requests.append(self.path)
        body = self.server.files.get(self.path)
        status = 200 if body is not None else 404
        if self.server.failures_left > 0:
            self.server.failures_left -= 1
            status, body = 503, None
        self.send_response(status)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


def openstack_metadata(public_key: str) -> dict[str, bytes]:
    """What nova serves (the parts the guest reads)."""
    meta = {
        "uuid": "8c8b7e52-5e1f-4a57-9d3e-000000000001",
        "hostname": "e2e-guest.novalocal",
        "name": "e2e-guest",
        "public_keys": {"e2e": public_key + "\n"},
        "keys": [{"name": "e2e", "type": "ssh", "data": public_key + "\n"}],
    }
    return {
        "/openstack/latest/meta_data.json": json.dumps(meta).encode(),
        "/openstack/latest/user_data": USER_DATA,
    }


def ec2_metadata(public_key: str) -> dict[str, bytes]:
    """The EC2 flavour only (no /openstack tree)."""
    return {
        "/latest/meta-data/instance-id": b"i-00000001",
        "/latest/meta-data/public-keys/0/openssh-key": public_key.encode() + b"\n",
        "/latest/user-data": USER_DATA,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path: Path, text: str, proc: subprocess.Popen, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and text in path.read_text(errors="replace"):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def guest_image() -> Path:
    for tool in ("qemu-system-x86_64", "qemu-img", "ssh", "ssh-keygen"):
        assert shutil.which(tool), f"{tool} is missing: run scripts/prepare-host"
    start = time.monotonic()
    proc = stackwright("image", "guest")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    first = time.monotonic() - start
    figure("guest image " + ("build" if "built in" in proc.stdout else "cached"), first)
    path = Path(proc.stdout.strip().splitlines()[-1].split(": ")[0])
    assert path.is_file() and path.name.startswith("stackwright-guest-"), proc.stdout
    record("guest image size", f"{path.stat().st_size / 2**20:.1f} MiB")

    # Nothing changed: the second run is a cache hit and says the same path.
    start = time.monotonic()
    again = stackwright("image", "guest")
    assert again.returncode == 0 and "cached, nothing to build" in again.stdout, again.stdout + again.stderr
    assert again.stdout.split(": ")[0] == str(path)
    figure("guest image cached", time.monotonic() - start)
    info = json.loads(subprocess.check_output(["qemu-img", "info", "--output=json", str(path)]))
    assert info["format"] == "qcow2"
    return path


class Guest:
    """One QEMU TCG boot of the image, with its metadata server, console file and SSH port."""

    def __init__(self, image: Path, tmp_path: Path, server: MetadataServer):
        self.tmp, self.server = tmp_path, server
        self.console, self.monitor = tmp_path / "serial.log", tmp_path / "monitor.sock"
        self.ssh_port = free_port()
        self.key = tmp_path / "id_ed25519"
        forwarder = tmp_path / "forward.py"
        forwarder.write_text(FORWARDER)
        forward = f"{sys.executable} {forwarder} {server.server_address[1]}"
        netdev = ",".join(
            [
                "user,id=n0,restrict=on",
                "net=169.254.169.0/24,host=169.254.169.2,dhcpstart=169.254.169.15",
                f"hostfwd=tcp:127.0.0.1:{self.ssh_port}-:22",
                f"guestfwd=tcp:169.254.169.254:80-cmd:{forward}",
            ]
        )
        self.argv = [
            "qemu-system-x86_64", "-accel", "tcg", "-machine", "q35", "-m", "256", "-smp", "1",
            "-display", "none", "-vga", "std", "-serial", f"file:{self.console}",
            "-monitor", f"unix:{self.monitor},server=on,wait=off",
            "-drive", f"file={image},format=qcow2,if=virtio,snapshot=on",
            "-netdev", netdev, "-device", "virtio-net-pci,netdev=n0",
        ]  # fmt: skip
        self.proc: subprocess.Popen | None = None

    def boot(self) -> float:
        """Seconds from QEMU's start to the guest's ready marker."""
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        start = time.monotonic()
        with (self.tmp / "qemu.log").open("w") as log:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        ready = wait_for(self.console, READY, self.proc, timeout=120)
        seconds = time.monotonic() - start
        qemu_log = (self.tmp / "qemu.log").read_text()
        assert ready, f"no '{READY}' on the console:\n{self.text()[-4000:]}\nqemu: {qemu_log}"
        return seconds

    def text(self) -> str:
        return self.console.read_text(errors="replace") if self.console.exists() else ""

    def ssh(self, command: str) -> subprocess.CompletedProcess:
        """SSH with the test key, trusting only the host key the guest announced on its console."""
        hostkey = next(line.split(" ", 2)[2] for line in self.text().splitlines() if " hostkey " in line)
        known_hosts = self.tmp / "known_hosts"
        known_hosts.write_text(f"[127.0.0.1]:{self.ssh_port} {hostkey.strip()}\n")
        ssh = [
            "ssh", "-i", str(self.key), "-p", str(self.ssh_port), "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=20", "-o", "StrictHostKeyChecking=yes",
            "-o", f"UserKnownHostsFile={known_hosts}", "root@127.0.0.1", command,
        ]  # fmt: skip
        return subprocess.run(ssh, capture_output=True, text=True, timeout=60, check=False)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.server.shutdown()


def new_key(tmp_path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "id_ed25519")], check=True
    )
    return (tmp_path / "id_ed25519.pub").read_text().strip()


def test_guest_boots_takes_key_and_user_data_and_serves_ssh(guest_image, tmp_path):
    # The first metadata request fails: the guest must retry, and say so.
    guest = Guest(guest_image, tmp_path, MetadataServer(openstack_metadata(new_key(tmp_path)), fail_first=1))
    try:
        boot = guest.boot()
        print(f"\nFIGURE guest boot to ready: {boot:.1f} s")
        figure("guest boot to ready (QEMU TCG, one metadata retry)", boot)
        assert boot < 60
        console = guest.text()
        assert "STACKWRIGHT-GUEST dhcp=ok interface=eth0 address=169.254.169.15/24" in console
        assert "metadata attempt 1 failed (retrying)" in console and "503" in console
        assert "STACKWRIGHT-GUEST metadata=ok key=ok userdata=ran" in console
        assert "USER-DATA-OUTPUT" in console
        requests = guest.server.requests
        assert requests[:2] == ["/openstack/latest/meta_data.json"] * 2
        assert "/openstack/latest/user_data" in requests

        start = time.monotonic()
        out = guest.ssh("cat /proc/version /run/user-data-proof; hostname")
        assert out.returncode == 0, out.stderr
        figure("guest ssh command", time.monotonic() - start)
        assert out.stdout.startswith("Linux version ") and "cloud-amd64" in out.stdout
        assert "user data ran on e2e-guest" in out.stdout  # after the hostname from meta_data.json
        assert out.stdout.split()[-1] == "e2e-guest"
        # What Tempest's validation runs in the guest to see its disks.
        disks = guest.ssh("lsblk -lb --nodeps")
        assert disks.returncode == 0, disks.stderr
        assert disks.stdout.split()[:2] == ["NAME", "MAJ:MIN"] and "disk" in disks.stdout, disks.stdout

        # ACPI power button (what nova stop sends first): the guest powers off by itself.
        start = time.monotonic()
        with socket.socket(socket.AF_UNIX) as mon:
            mon.connect(str(guest.monitor))
            mon.sendall(b"system_powerdown\n")
            guest.proc.wait(timeout=30)
        figure("guest power off on ACPI button", time.monotonic() - start)
        assert "STACKWRIGHT-GUEST shutdown" in guest.text()
    finally:
        guest.stop()


def test_guest_falls_back_to_ec2_metadata(guest_image, tmp_path):
    guest = Guest(guest_image, tmp_path, MetadataServer(ec2_metadata(new_key(tmp_path))))
    try:
        figure("guest boot to ready (QEMU TCG, EC2 metadata, no retry)", guest.boot())
        assert "STACKWRIGHT-GUEST metadata=ok key=ok userdata=ran" in guest.text()
        assert "/latest/meta-data/public-keys/0/openssh-key" in guest.server.requests
        out = guest.ssh("cat /run/user-data-proof")
        assert out.returncode == 0, out.stderr
        assert "user data ran on stackwright-guest" in out.stdout
    finally:
        guest.stop()
