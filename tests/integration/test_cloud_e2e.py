"""End to end on the deployed AIO, through its public API: a tenant network, a server booted from
the test guest that reads its metadata, answers ping and SSH on its floating IP, keeps what it
writes on a Ceph RBD volume across detach and attach; a snapshot of it booted again, and a volume
made from that snapshot uploaded to an image and booted, both still holding what the guest wrote;
a Heat stack.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .cloudmods import connect, needs
from .conftest import figure

pytestmark = pytest.mark.lab
GUEST = "stackwright-guest"


@pytest.fixture(scope="module")
def conn(aio_cloud):
    return connect()


@pytest.fixture(scope="module")
def keypair(tmp_path_factory):
    key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path_factory.mktemp("e2e") / "id_ed25519"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return path, public.decode()


@pytest.fixture(scope="module")
def tenant_net(conn):
    """Network, subnet, router with the public network as gateway, security group for ICMP and SSH."""
    needs(conn, "compute", "network")
    tag = secrets.token_hex(3)
    created = []
    try:
        net = conn.network.create_network(name=f"sw-e2e-{tag}")
        created.append(("network", net))
        subnet = conn.network.create_subnet(
            name=f"sw-e2e-{tag}", network_id=net.id, ip_version=4, cidr="10.77.0.0/24", dns_nameservers=[]
        )
        created.append(("subnet", subnet))
        public = conn.network.find_network("public", ignore_missing=False)
        router = conn.network.create_router(
            name=f"sw-e2e-{tag}", external_gateway_info={"network_id": public.id}
        )
        created.append(("router", router))
        conn.network.add_interface_to_router(router, subnet=subnet.id)
        sg = conn.network.create_security_group(name=f"sw-e2e-{tag}")
        created.append(("security_group", sg))
        for rule in ({"protocol": "icmp"}, {"protocol": "tcp", "port_range_min": 22, "port_range_max": 22}):
            conn.network.create_security_group_rule(
                security_group_id=sg.id,
                direction="ingress",
                ethertype="IPv4",
                remote_ip_prefix="0.0.0.0/0",
                **rule,
            )
        yield {"network": net, "subnet": subnet, "router": router, "sg": sg, "public": public, "tag": tag}
    finally:
        for kind, res in reversed(created):
            if kind == "router":
                conn.network.remove_interface_from_router(res, subnet=created[1][1].id)
            getattr(conn.network, f"delete_{kind}")(res, ignore_missing=True)


def _console(conn, server) -> str:
    return conn.compute.get_server_console_output(server)["output"] or ""


def _wait(predicate, timeout, step=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def _ssh(key: Path, address: str, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ssh", "-i", str(key), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "ConnectTimeout=5", "-o", "BatchMode=yes", f"root@{address}", command],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


@contextlib.contextmanager
def _booted(conn, tenant_net, key_name: str, image_id: str, name: str, *, user_data: str = ""):
    """A server of `image_id` on the tenant network with a floating IP, ACTIVE; deleted afterwards."""
    start = time.monotonic()
    created = conn.compute.create_server(
        name=name,
        image_id=image_id,
        flavor_id=conn.compute.find_flavor("m1.tiny", ignore_missing=False).id,
        networks=[{"uuid": tenant_net["network"].id}],
        key_name=key_name,
        security_groups=[{"name": tenant_net["sg"].name}],
        **({"user_data": base64.b64encode(user_data.encode()).decode()} if user_data else {}),
    )
    fip = None
    try:
        active = conn.compute.wait_for_server(created, status="ACTIVE", wait=300)
        active_after = time.monotonic() - start
        port = next(conn.network.ports(device_id=active.id))
        fip = conn.network.create_ip(floating_network_id=tenant_net["public"].id, port_id=port.id)
        yield {
            "server": active,
            "address": fip.floating_ip_address,
            "start": start,
            "active_after": active_after,
        }
    finally:
        if fip is not None:
            conn.network.delete_ip(fip, ignore_missing=True)
        conn.compute.delete_server(created, ignore_missing=True)
        conn.compute.wait_for_delete(created, wait=120)


@pytest.fixture(scope="module")
def key_name(conn, tenant_net, keypair):
    kp = conn.compute.create_keypair(name=f"sw-e2e-{tenant_net['tag']}", public_key=keypair[1])
    yield kp.name
    conn.compute.delete_keypair(kp, ignore_missing=True)


@pytest.fixture(scope="module")
def server(conn, tenant_net, key_name):
    """A server from the test guest on the tenant network, with a floating IP; deleted afterwards."""
    image = conn.image.find_image(GUEST, ignore_missing=False)
    user_data = "#!/bin/sh\necho e2e-user-data > /root/e2e-proof\n"
    with _booted(
        conn, tenant_net, key_name, image.id, f"sw-e2e-{tenant_net['tag']}", user_data=user_data
    ) as booted:
        figure("server create to ACTIVE", booted["active_after"])
        yield booted


def test_server_boots_and_takes_its_address_by_dhcp(conn, server):
    console = _wait(lambda: "dhcp=ok" in (out := _console(conn, server["server"])) and out, 180)
    assert console, _console(conn, server["server"])[-2000:]
    figure("server create to DHCP lease in the guest", time.monotonic() - server["start"])
    fixed = [a["addr"] for addrs in server["server"].addresses.values() for a in addrs if a["version"] == 4]
    assert any(f"address={ip}/" in console for ip in fixed), console[-1500:]


def test_floating_ip_answers_ping(server):
    address = server["address"]
    assert address.startswith("172.29.239.")
    ok = _wait(
        lambda: (
            subprocess.run(
                ["ping", "-c", "1", "-W", "2", address], capture_output=True, check=False
            ).returncode
            == 0
        ),
        120,
    )
    assert ok, f"no ping reply from the floating IP {address}"


def test_guest_reads_metadata_and_answers_ssh(conn, server, keypair):
    console = _wait(
        lambda: "STACKWRIGHT-GUEST ready" in (out := _console(conn, server["server"])) and out, 120
    )
    assert console, _console(conn, server["server"])[-2000:]
    figure("server create to guest ready", time.monotonic() - server["start"])
    assert "metadata=ok key=ok userdata=ran" in console, console[-2000:]
    result = _wait(
        lambda: (r := _ssh(keypair[0], server["address"], "cat /root/e2e-proof")).returncode == 0 and r, 60
    )
    assert result, _ssh(keypair[0], server["address"], "true").stderr
    assert "e2e-user-data" in result.stdout


def test_volume_attached_to_the_guest_keeps_what_it_wrote(conn, server, keypair):
    """A Ceph RBD volume through cinder and nova (QEMU's librbd, the libvirt secret): the guest sees
    it appear, writes to it, and finds the data again after a detach and a new attach."""
    needs(conn, "block-storage")
    address, key, srv = server["address"], keypair[0], server["server"]
    assert _wait(lambda: _ssh(key, address, "true").returncode == 0, 120), "no SSH to the guest"
    volume = conn.block_storage.create_volume(name=f"sw-e2e-vol-{srv.name[-8:]}", size=1)
    marker = f"stackwright-{secrets.token_hex(8)}"

    def attach():
        start = time.monotonic()
        conn.compute.create_volume_attachment(srv, volume=volume)
        conn.block_storage.wait_for_status(volume, "in-use", wait=180)
        seen = _wait(lambda: _ssh(key, address, "test -b /dev/vdb").returncode == 0, 60)
        assert seen, _ssh(key, address, "ls /dev; dmesg | tail -20").stdout
        return time.monotonic() - start

    def detach():
        conn.compute.delete_volume_attachment(srv, volume)
        conn.block_storage.wait_for_status(volume, "available", wait=180)

    try:
        conn.block_storage.wait_for_status(volume, "available", wait=180)
        figure("volume attach to a running guest (device seen)", attach())
        size = _ssh(key, address, "cat /sys/block/vdb/size").stdout.strip()
        assert int(size) * 512 == 1024**3, size
        wrote = _ssh(key, address, f"echo {marker} | dd of=/dev/vdb 2>&1 && sync")
        assert wrote.returncode == 0, wrote.stdout + wrote.stderr
        detach()
        assert _ssh(key, address, "test -b /dev/vdb").returncode != 0, "the device outlived the detach"
        attach()
        read = _ssh(key, address, "dd if=/dev/vdb bs=512 count=1 2>/dev/null | head -n 1")
        assert read.stdout.strip() == marker, read
        detach()
    finally:
        current = conn.block_storage.get_volume(volume)
        if current.attachments:
            conn.compute.delete_volume_attachment(srv, volume, ignore_missing=True)
            conn.block_storage.wait_for_status(volume, "available", wait=180)
        conn.block_storage.delete_volume(volume, ignore_missing=True)


# Where the guest writes its mark on its own disk: a sector of the gap between the MBR and the
# first partition (images/guest: the partition starts at sector 2048), which nothing else uses.
MARK_SECTOR = 1000


def _read_mark(key: Path, address: str) -> str:
    return _ssh(
        key, address, f"dd if=/dev/vda bs=512 skip={MARK_SECTOR} count=1 2>/dev/null | head -n 1"
    ).stdout


def _wait_image(conn, image_id: str, timeout: float):
    image = _wait(
        lambda: (i := conn.image.get_image(image_id)).status in ("active", "killed", "deleted") and i, timeout
    )
    assert image and image.status == "active", conn.image.get_image(image_id)
    return image


@pytest.fixture(scope="module")
def snapshot(conn, server, keypair):
    """The running server, with a mark written to its disk, snapshotted (nova -> glance upload)."""
    key, address = keypair[0], server["address"]
    assert _wait(lambda: _ssh(key, address, "true").returncode == 0, 120), "no SSH to the guest"
    mark = f"stackwright-{secrets.token_hex(8)}"
    wrote = _ssh(
        key, address, f"echo {mark} | dd of=/dev/vda bs=512 seek={MARK_SECTOR} conv=notrunc,fsync 2>&1"
    )
    assert wrote.returncode == 0, wrote.stdout + wrote.stderr
    start = time.monotonic()
    image_id = conn.compute.create_server_image(server["server"], name=f"{server['server'].name}-snap")
    try:
        image = _wait_image(conn, image_id, 300)
        figure("server snapshot to an active image", time.monotonic() - start)
        yield {"image": image, "mark": mark}
    finally:
        conn.image.delete_image(image_id, ignore_missing=True)


def test_server_snapshot_boots_with_what_the_guest_wrote(conn, tenant_net, key_name, keypair, snapshot):
    image = snapshot["image"]
    assert (image.properties or {}).get("image_type") == "snapshot", image
    with _booted(conn, tenant_net, key_name, image.id, f"{image.name}-boot") as booted:
        ready = _wait(lambda: _ssh(keypair[0], booted["address"], "true").returncode == 0, 180)
        assert ready, _console(conn, booted["server"])[-2000:]
        assert _read_mark(keypair[0], booted["address"]).strip() == snapshot["mark"]


def test_volume_uploaded_to_an_image_boots_with_what_it_holds(conn, tenant_net, key_name, keypair, snapshot):
    """cinder makes a volume of the snapshot (RBD), uploads it to glance (streamed), nova boots it."""
    needs(conn, "block-storage")
    volume = conn.block_storage.create_volume(
        name=f"{snapshot['image'].name}-vol", size=1, image_id=snapshot["image"].id
    )
    image_id = None
    try:
        conn.block_storage.wait_for_status(volume, "available", wait=300)
        start = time.monotonic()
        uploaded = conn.block_storage.upload_volume_to_image(
            volume, f"{snapshot['image'].name}-upload", disk_format="qcow2", container_format="bare"
        )
        image_id = uploaded["image_id"]
        image = _wait_image(conn, image_id, 300)
        conn.block_storage.wait_for_status(volume, "available", wait=300)
        figure("volume upload to an active image", time.monotonic() - start)
        with _booted(conn, tenant_net, key_name, image.id, f"{image.name}-boot") as booted:
            ready = _wait(lambda: _ssh(keypair[0], booted["address"], "true").returncode == 0, 180)
            assert ready, _console(conn, booted["server"])[-2000:]
            assert _read_mark(keypair[0], booted["address"]).strip() == snapshot["mark"]
    finally:
        if image_id:
            conn.image.delete_image(image_id, ignore_missing=True)
        conn.block_storage.delete_volume(volume, ignore_missing=True)


HOT = """
heat_template_version: "2021-04-16"
parameters:
  image: {type: string}
  flavor: {type: string}
  network: {type: string}
  public: {type: string}
resources:
  port:
    type: OS::Neutron::Port
    properties: {network: {get_param: network}}
  server:
    type: OS::Nova::Server
    properties:
      image: {get_param: image}
      flavor: {get_param: flavor}
      networks: [{port: {get_resource: port}}]
  fip:
    type: OS::Neutron::FloatingIP
    properties:
      floating_network: {get_param: public}
      port_id: {get_resource: port}
outputs:
  address: {value: {get_attr: [fip, floating_ip_address]}}
  server: {value: {get_resource: server}}
"""


def test_heat_stack_with_server_port_and_floating_ip(conn, tenant_net):
    needs(conn, "orchestration")
    start = time.monotonic()
    stack = conn.orchestration.create_stack(
        name=f"sw-e2e-{tenant_net['tag']}",
        template=yaml.safe_load(HOT),
        parameters={
            "image": GUEST,
            "flavor": "m1.tiny",
            "network": tenant_net["network"].id,
            "public": tenant_net["public"].id,
        },
    )
    try:
        stack = conn.orchestration.wait_for_status(
            stack, "CREATE_COMPLETE", failures=["CREATE_FAILED"], wait=600
        )
        figure("heat stack CREATE_COMPLETE", time.monotonic() - start)
        outputs = {o["output_key"]: o["output_value"] for o in conn.orchestration.get_stack(stack).outputs}
        assert outputs["address"].startswith("172.29.239.")
        assert conn.compute.get_server(outputs["server"]).status == "ACTIVE"
    finally:
        conn.orchestration.delete_stack(stack, ignore_missing=True)
        conn.orchestration.wait_for_delete(stack, wait=300)
    assert conn.orchestration.find_stack(stack.id, ignore_missing=True) is None
