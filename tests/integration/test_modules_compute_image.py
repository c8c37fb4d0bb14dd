"""The compute and image modules against the AIO cloud.

The modules run as cloudmods.play runs them (in-process with Ansible's arguments; the key pair's
lifecycle through ansible-playbook), cloud `aio` from the inventory's clouds.yaml. Each
resource is created in check mode (nothing appears), created (the diff is right), re-run
(changed=false), changed in check mode (nothing changes) and for real, and deleted (check mode
first; a second deletion changes nothing). A test needing a service the catalog lacks (glance
for images; nova, and neutron for servers) is skipped, saying which.

The resources are named sw-it-<random>-...; the server's network is 172.29.254.0/24, an API
object only. The cloud is reached only at loopback or lab addresses (checked first).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .cloudmods import connect, created_then_idempotent, deleted, mine, needs, new_prefix, play, updated

pytestmark = pytest.mark.lab

SERVER_CIDR = "172.29.254.0/24"


@pytest.fixture(scope="module")
def cloud(aio_cloud):
    return connect()


@pytest.fixture(scope="module")
def prefix(cloud):
    """The name prefix of this module's resources; whatever is left of them goes at the end."""
    name = new_prefix()
    yield name
    cleanup(cloud, name)


def cleanup(conn, prefix: str) -> None:
    """Delete every resource named ``prefix``-..., servers first, ignoring what is gone."""
    if conn.has_service("compute"):
        compute = conn.compute
        for server in mine(compute.servers(), prefix):
            compute.delete_server(server, ignore_missing=True)
            compute.wait_for_delete(server, wait=300)
        for group in mine(compute.server_groups(), prefix):
            compute.delete_server_group(group, ignore_missing=True)
        for keypair in mine(compute.keypairs(), prefix):
            compute.delete_keypair(keypair, ignore_missing=True)
        for flavor in mine(compute.flavors(), prefix):
            compute.delete_flavor(flavor, ignore_missing=True)
    if conn.has_service("image"):
        for image in mine(conn.image.images(), prefix):
            if image.is_protected:
                conn.image.update_image(image, protected=False)
            conn.image.delete_image(image, ignore_missing=True)
    if conn.has_service("network"):
        for network in mine(conn.network.networks(), prefix):
            for port in conn.network.ports(network_id=network.id):
                conn.network.delete_port(port, ignore_missing=True)
            conn.network.delete_network(network, ignore_missing=True)
    for project in mine(conn.identity.projects(), prefix):
        conn.identity.delete_project(project, ignore_missing=True)


def data_file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


# --- image ----------------------------------------------------------------------------------------
def test_image(cloud, prefix, tmp_path):
    needs(cloud, "image")
    name = f"{prefix}-image"
    disk = data_file(tmp_path / "disk.raw", 1 << 20)
    args = {
        "name": name,
        "file": str(disk),
        "disk_format": "raw",
        "visibility": "private",
        "min_disk": 1,
        "tags": ["b", "a"],
        "properties": {"os_distro": "cirros", "hw_qemu_guest_agent": True},
    }

    def find():
        return cloud.image.find_image(name, ignore_missing=True)

    created = created_then_idempotent(tmp_path, "image", args, find)
    image = created["image"]
    assert image["status"] == "active" and image["size"] == 1 << 20
    assert created["diff"]["after"]["properties"] == {"os_distro": "cirros", "hw_qemu_guest_agent": "true"}
    assert play(tmp_path, "image", {**args, "tags": ["a", "b"]})["changed"] is False

    change = {
        **args,
        "min_disk": 2,
        "tags": ["a", "c"],
        "visibility": "shared",
        "properties": {"os_distro": "debian", "hw_qemu_guest_agent": None, "stackwright/test": "x"},
    }
    done = updated(tmp_path, "image", change, find)
    assert done["diff"]["after"]["properties"] == {"os_distro": "debian", "stackwright/test": "x"}
    now = find()
    assert now.os_distro == "debian" and now.min_disk == 2 and sorted(now.tags) == ["a", "c"]
    assert "hw_qemu_guest_agent" not in now.properties and now.hw_qemu_guest_agent is None

    listed = play(tmp_path, "image_info", {"name": name})
    assert [i["id"] for i in listed["items"]] == [image["id"]]

    newer = data_file(tmp_path / "newer.raw", 1 << 16)
    refused = play(tmp_path, "image", {**change, "file": str(newer)}, fails=True)
    assert "has other data" in refused["msg"] and "set force: true" in refused["msg"]
    forced = play(tmp_path, "image", {**change, "file": str(newer), "force": True})
    assert forced["changed"] is True and forced["image"]["id"] != image["id"]
    assert forced["image"]["size"] == 1 << 16
    assert play(tmp_path, "image", {**change, "file": str(newer)})["changed"] is False

    play(tmp_path, "image", {"name": name, "protected": True})
    protected = play(tmp_path, "image", {"name": name, "state": "absent"}, fails=True)
    assert "is protected" in protected["msg"] and find() is not None
    play(tmp_path, "image", {"name": name, "protected": False})
    deleted(tmp_path, "image", {"name": name}, find)


def test_image_members(cloud, prefix, tmp_path):
    needs(cloud, "image")
    customer = cloud.identity.create_project(name=f"{prefix}-customer", domain_id="default")
    name = f"{prefix}-shared"
    play(
        tmp_path,
        "image",
        {"name": name, "file": str(data_file(tmp_path / "d.raw", 4096)), "disk_format": "raw"},
    )
    args = {"name": name, "visibility": "shared", "members": [customer.name]}

    def members():
        return sorted(
            m.member_id for m in cloud.image.members(cloud.image.find_image(name, ignore_missing=False))
        )

    check = play(tmp_path, "image", args, check=True)
    assert check["changed"] is True and members() == []
    added = play(tmp_path, "image", args)
    assert added["changed"] is True and members() == [customer.id] == added["image"]["members"]
    assert play(tmp_path, "image", args)["changed"] is False
    removed = play(tmp_path, "image", {**args, "members": []})
    assert removed["changed"] is True and members() == []
    refused = play(tmp_path, "image", {**args, "visibility": "private"}, fails=True)
    assert "members need visibility: shared" in refused["msg"]
    play(tmp_path, "image", {"name": name, "state": "absent"})


# --- flavor, keypair, server group ----------------------------------------------------------------
def test_flavor(cloud, prefix, tmp_path):
    needs(cloud, "compute")
    name = f"{prefix}-flavor"
    args = {"name": name, "vcpus": 1, "ram": 256, "disk": 1, "extra_specs": {"hw:cpu_policy": "shared"}}

    def find():
        return cloud.compute.find_flavor(name, ignore_missing=True, get_extra_specs=True)

    created = created_then_idempotent(tmp_path, "flavor", args, find)
    assert created["flavor"]["extra_specs"] == {"hw:cpu_policy": "shared"}
    change = {
        **args,
        "description": "one small CPU",
        "extra_specs": {"hw:cpu_policy": None, "hw:numa_nodes": 1},
    }
    updated(tmp_path, "flavor", change, find)
    assert find().extra_specs == {"hw:numa_nodes": "1"} and find().description == "one small CPU"
    refused = play(tmp_path, "flavor", {**args, "ram": 512}, fails=True)
    assert "ram (256 -> 512)" in refused["msg"]
    listed = play(tmp_path, "compute_info", {"resource": "flavors", "name": name})
    assert [f["name"] for f in listed["items"]] == [name]
    deleted(tmp_path, "flavor", {"name": name}, find)


def openssh_public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def test_keypair(cloud, prefix, tmp_path):
    needs(cloud, "compute")
    name = f"{prefix}-key"
    args = {"name": name, "public_key": openssh_public_key() + " it@stackwright"}

    def find():
        return cloud.compute.find_keypair(name, ignore_missing=True)

    created_then_idempotent(tmp_path, "keypair", args, find, key="keypair", via="playbook")
    other = {**args, "public_key": openssh_public_key()}
    refused = play(tmp_path, "keypair", other, fails=True, via="playbook")
    assert "different public key" in refused["msg"] and "force: true" in refused["msg"]
    forced = play(tmp_path, "keypair", {**other, "force": True}, via="playbook")
    assert forced["changed"] is True and find().public_key.split()[1] == other["public_key"].split()[1]
    deleted(tmp_path, "keypair", {"name": name}, find, via="playbook")

    generated = play(tmp_path, "keypair", {"name": f"{name}-generated"}, via="playbook")
    assert generated["changed"] is True and "PRIVATE KEY" in generated["keypair"]["private_key"]
    again = play(tmp_path, "keypair", {"name": f"{name}-generated"}, via="playbook")
    assert again["changed"] is False and not again["keypair"].get("private_key")
    play(tmp_path, "keypair", {"name": f"{name}-generated", "state": "absent"}, via="playbook")


def test_server_group(cloud, prefix, tmp_path):
    needs(cloud, "compute")
    name = f"{prefix}-group"
    args = {"name": name, "policy": "soft-anti-affinity"}

    def find():
        return cloud.compute.find_server_group(name, ignore_missing=True)

    created_then_idempotent(tmp_path, "server_group", args, find)
    refused = play(tmp_path, "server_group", {**args, "policy": "affinity"}, fails=True)
    assert "cannot be changed in place" in refused["msg"]
    deleted(tmp_path, "server_group", args, find)


# --- server ---------------------------------------------------------------------------------------
@pytest.fixture
def boot(cloud, prefix, tmp_path):
    """What a server needs: an image (1 MiB of random data: nova boots it, it goes ACTIVE),
    two flavors, a network with a subnet, made by the modules (and the SDK for neutron)."""
    needs(cloud, "compute", "image", "network")
    image = play(
        tmp_path,
        "image",
        {
            "name": f"{prefix}-boot",
            "file": str(data_file(tmp_path / "boot.raw", 1 << 20)),
            "disk_format": "raw",
        },
    )["image"]
    small = play(tmp_path, "flavor", {"name": f"{prefix}-small", "vcpus": 1, "ram": 128, "disk": 1})["flavor"]
    big = play(tmp_path, "flavor", {"name": f"{prefix}-big", "vcpus": 1, "ram": 256, "disk": 1})["flavor"]
    network = cloud.network.create_network(name=f"{prefix}-net")
    cloud.network.create_subnet(name=f"{prefix}-sub", network_id=network.id, ip_version=4, cidr=SERVER_CIDR)
    return {"image": image, "small": small, "big": big, "network": network}


def test_server(cloud, prefix, boot, tmp_path):
    name = f"{prefix}-server"
    args = {
        "name": name,
        "image": boot["image"]["name"],
        "flavor": boot["small"]["name"],
        "networks": [{"network": boot["network"].name, "fixed_ip": "172.29.254.10"}],
        "metadata": {"role": "test"},
        "user_data": "#cloud-config\n{}\n",
        "timeout": 600,
    }

    def find():
        return cloud.compute.find_server(name, ignore_missing=True)

    created = created_then_idempotent(tmp_path, "server", args, find)
    assert created["server"]["status"] == "ACTIVE" and "user_data" not in created["server"]
    assert created["diff"]["after"]["user_data"] == "(write-only, not shown)"
    assert created["diff"]["after"]["networks"] == [
        {"network": boot["network"].id, "fixed_ip": "172.29.254.10"}
    ]

    updated(tmp_path, "server", {**args, "metadata": {"role": "web", "tier": 1}}, find)
    assert find().metadata == {"role": "web", "tier": "1"}

    stopped = updated(tmp_path, "server", {**args, "power": "stopped"}, find)
    assert stopped["server"]["status"] == "SHUTOFF" and find().status == "SHUTOFF"
    started = play(tmp_path, "server", {**args, "power": "started"})
    assert started["changed"] is True and find().status == "ACTIVE"

    resized = play(tmp_path, "server", {**args, "flavor": boot["big"]["name"]}, fails=True)
    assert "does not resize servers" in resized["msg"] and find().flavor.name == boot["small"]["name"]
    replugged = play(tmp_path, "server", {**args, "networks": []}, fails=True)
    assert "re-plug" in replugged["msg"]

    listed = play(tmp_path, "compute_info", {"resource": "servers", "name": name})
    assert [s["id"] for s in listed["items"]] == [created["server"]["id"]]
    deleted(tmp_path, "server", {"name": name}, find)
