"""The compute and image modules on fake proxies: their update logic through the state machine,
check mode and diff, and the calls they make (checked against the real SDK's signatures)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import pytest
from ansible_collections.stackwright.cloud.plugins.modules import (
    compute_info,
    flavor,
    image,
    image_info,
    keypair,
    server,
    server_group,
)

from tests.unit.openstack_fakes import run_module
from tests.unit.openstack_fakes_compute import compute_connection

HIDDEN = "(write-only, not shown)"


@pytest.fixture
def conn():
    return compute_connection()


@pytest.fixture
def nova(conn):
    return conn.compute


@pytest.fixture
def glance(conn):
    return conn.image


@pytest.fixture
def run(capsys, conn):
    def _run(module, args, check=False, diff=True):
        return run_module(capsys, module, args, conn, check=check, diff=diff)

    return _run


# --- documentation ------------------------------------------------------------------------------


# --- flavor ---------------------------------------------------------------------------------------
def test_flavor_created_with_extra_specs_then_unchanged(run, nova):
    args = {
        "name": "m1.small",
        "vcpus": 1,
        "ram": 2048,
        "disk": 20,
        "extra_specs": {"hw:cpu_policy": "dedicated"},
    }
    out = run(flavor.FlavorModule, args)
    assert out["changed"] is True
    assert nova.mutations() == ["create_flavor", "create_flavor_extra_specs"]
    assert nova.calls[-2][2] == {"name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20}
    assert nova.calls[-1][1][1] == {"hw:cpu_policy": "dedicated"}
    assert out["flavor"]["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    assert out["diff"] == {
        "before": {},
        "after": {
            "name": "m1.small",
            "vcpus": 1,
            "ram": 2048,
            "disk": 20,
            "extra_specs": {"hw:cpu_policy": "dedicated"},
        },
    }
    nova.calls.clear()
    again = run(flavor.FlavorModule, args)
    assert again["changed"] is False and nova.mutations() == []
    assert again["diff"]["before"] == again["diff"]["after"]


def test_flavor_updates_description_and_sets_and_unsets_extra_specs(run, nova):
    nova.add(
        "flavor",
        name="m1.small",
        vcpus=1,
        ram=2048,
        description="old",
        extra_specs={"hw:cpu_policy": "dedicated", "hw:mem_page_size": "large", "other": "kept"},
    )
    args = {
        "name": "m1.small",
        "vcpus": 1,
        "ram": 2048,
        "description": "new",
        "extra_specs": {"hw:cpu_policy": "shared", "hw:mem_page_size": None, "hw:numa_nodes": 1, "x": True},
    }
    check = run(flavor.FlavorModule, args, check=True)
    assert check["changed"] is True and nova.mutations() == []
    assert check["flavor"]["extra_specs"] == {
        "hw:cpu_policy": "shared",
        "other": "kept",
        "hw:numa_nodes": "1",
        "x": "true",
    }
    assert check["diff"]["before"]["extra_specs"] == {
        "hw:cpu_policy": "dedicated",
        "hw:mem_page_size": "large",
    }
    assert check["diff"]["after"]["extra_specs"] == {
        "hw:cpu_policy": "shared",
        "hw:numa_nodes": "1",
        "x": "true",
    }
    out = run(flavor.FlavorModule, args)
    assert out["changed"] is True
    assert nova.mutations() == [
        "create_flavor_extra_specs",
        "delete_flavor_extra_specs_property",
        "update_flavor",
    ]
    calls = {name: (a, kw) for name, a, kw in nova.calls}
    assert calls["create_flavor_extra_specs"][0][1] == {
        "hw:cpu_policy": "shared",
        "hw:numa_nodes": "1",
        "x": "true",
    }
    assert calls["delete_flavor_extra_specs_property"][0][1] == "hw:mem_page_size"
    assert calls["update_flavor"][1] == {"description": "new"}
    assert out["flavor"]["extra_specs"] == check["flavor"]["extra_specs"]
    assert out["diff"] == check["diff"]
    assert run(flavor.FlavorModule, args)["changed"] is False


def test_flavor_create_only_attributes_fail_naming_them(run, nova):
    nova.add("flavor", name="m1.small", vcpus=1, ram=2048, disk=20)
    out = run(flavor.FlavorModule, {"name": "m1.small", "vcpus": 2, "ram": 2048, "description": "x"})
    assert (
        out["failed"] is True
        and "vcpus (1 -> 2)" in out["msg"]
        and "cannot be changed in place" in out["msg"]
    )
    assert nova.mutations() == []


def test_flavor_needs_vcpus_and_ram_to_be_created(run, nova):
    for check in (True, False):
        out = run(flavor.FlavorModule, {"name": "m1.small", "vcpus": 1}, check=check)
        assert out["failed"] is True and "set ram to create it" in out["msg"]
    assert nova.mutations() == []


def test_flavor_with_a_given_id_and_deleted(run, nova):
    out = run(flavor.FlavorModule, {"name": "m1.tiny", "flavor_id": "1", "vcpus": 1, "ram": 512})
    assert nova.calls[-1][2]["id"] == "1" and out["flavor"]["id"] == "1"
    gone = run(flavor.FlavorModule, {"name": "m1.tiny", "state": "absent"})
    assert gone["changed"] is True and gone["flavor"] is None and nova.store["flavor"] == {}
    assert gone["diff"]["before"]["flavor_id"] == "1"
    assert run(flavor.FlavorModule, {"name": "m1.tiny", "state": "absent"})["changed"] is False


# --- keypair --------------------------------------------------------------------------------------
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtest operator@deploy"
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOother operator@deploy"


def test_keypair_registered_once_whatever_the_comment(run, nova):
    out = run(keypair.KeypairModule, {"name": "operator", "public_key": KEY})
    assert out["changed"] is True and nova.calls[-1] == (
        "create_keypair",
        (),
        {"name": "operator", "public_key": KEY},
    )
    assert out["keypair"]["public_key"] == KEY and out["diff"]["after"] == {
        "name": "operator",
        "public_key": KEY,
    }
    again = run(
        keypair.KeypairModule, {"name": "operator", "public_key": KEY.replace("operator@deploy", "other")}
    )
    assert again["changed"] is False and nova.mutations() == ["create_keypair"]


def test_keypair_with_another_key_fails_unless_forced(run, nova):
    nova.add_keypair(name="operator", public_key=KEY)
    out = run(keypair.KeypairModule, {"name": "operator", "public_key": OTHER_KEY})
    assert out["failed"] is True
    assert "exists with a different public key (fingerprint fp-old); set force: true" in out["msg"]
    check = run(
        keypair.KeypairModule, {"name": "operator", "public_key": OTHER_KEY, "force": True}, check=True
    )
    assert check["changed"] is True and nova.mutations() == []
    assert check["diff"] == {
        "before": {"name": "operator", "public_key": KEY, "key_type": "ssh"},
        "after": {"name": "operator", "public_key": OTHER_KEY},
    }
    forced = run(keypair.KeypairModule, {"name": "operator", "public_key": OTHER_KEY, "force": True})
    assert forced["changed"] is True and nova.mutations() == ["delete_keypair", "create_keypair"]
    assert forced["keypair"]["public_key"] == OTHER_KEY


def test_keypair_generated_by_nova_returns_the_private_key_once(run, nova):
    out = run(keypair.KeypairModule, {"name": "ci"})
    assert out["changed"] is True and nova.calls[-1][2] == {"name": "ci"}
    assert out["keypair"]["private_key"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    again = run(keypair.KeypairModule, {"name": "ci"})
    assert again["changed"] is False and again["keypair"]["private_key"] is None


def test_keypair_from_a_file_and_of_another_user(run, nova, conn, tmp_path):
    bob = conn.identity.add("user", name="bob", domain_id="default")
    (tmp_path / "key.pub").write_text(KEY + "\n")
    args = {"name": "deploy", "public_key_file": str(tmp_path / "key.pub"), "user": "bob"}
    out = run(keypair.KeypairModule, args)
    assert out["changed"] is True
    assert nova.calls[-1][2] == {"name": "deploy", "public_key": KEY, "user_id": bob.id}
    assert nova.find_keypair("deploy", user_id=bob.id) is not None and nova.find_keypair("deploy") is None
    assert run(keypair.KeypairModule, args)["changed"] is False
    gone = run(keypair.KeypairModule, {"name": "deploy", "user": "bob", "state": "absent"})
    assert gone["changed"] is True and nova.calls[-1] == (
        "delete_keypair",
        (nova.calls[-1][1][0],),
        {
            "ignore_missing": True,
            "user_id": bob.id,
        },
    )
    missing = run(keypair.KeypairModule, {"name": "deploy", "public_key_file": str(tmp_path / "nope.pub")})
    assert missing["failed"] is True and "cannot read public_key_file" in missing["msg"]
    nobody = run(keypair.KeypairModule, {"name": "deploy", "user": "ghost", "state": "absent"})
    assert nobody["changed"] is False


def test_key_material_ignores_comments_and_spacing():
    assert keypair.key_material("ssh-rsa AAAA  me@x\n") == keypair.key_material("  ssh-rsa AAAA other")
    assert keypair.key_material("ssh-rsa AAAA") != keypair.key_material("ssh-rsa BBBB")
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    assert keypair.key_material(f"\n  {pem}  \n") == pem


# --- server_group ---------------------------------------------------------------------------------
def test_server_group_created_once_and_create_only(run, nova):
    args = {"name": "web", "policy": "anti-affinity", "max_server_per_host": 2}
    out = run(server_group.ServerGroupModule, args)
    assert out["changed"] is True
    assert nova.calls[-1][2] == {
        "name": "web",
        "policy": "anti-affinity",
        "rules": {"max_server_per_host": 2},
    }
    assert out["diff"]["after"] == args
    assert run(server_group.ServerGroupModule, args)["changed"] is False
    changed = run(server_group.ServerGroupModule, {"name": "web", "policy": "affinity"})
    assert changed["failed"] is True and "policy ('anti-affinity' -> 'affinity')" in changed["msg"]
    missing = run(server_group.ServerGroupModule, {"name": "db"}, check=True)
    assert missing["failed"] is True and "set policy to create it" in missing["msg"]
    assert run(server_group.ServerGroupModule, {"name": "web", "state": "absent"})["changed"] is True
    assert nova.store["server_group"] == {}


def test_server_group_of_an_older_compute_api_has_policies(run, nova):
    nova.add("server_group", name="db", policies=["anti-affinity"], rules=None)
    out = run(server_group.ServerGroupModule, {"name": "db", "policy": "anti-affinity"})
    assert out["changed"] is False
    assert out["diff"]["before"] == {"name": "db", "policy": "anti-affinity"}


# --- server ---------------------------------------------------------------------------------------
@pytest.fixture
def cloud(conn, nova, glance):
    """An image, a flavor, a network with a port, security groups, a server group."""
    nova.security_group_names["2f6a1e3c-0b8d-4c1e-9a57-3e2d1c0b9a88"] = "web"
    return {
        "image": glance.add("image", name="debian-13", status="active"),
        "trixie": glance.add("image", name="debian-13-updated", status="active"),
        "flavor": nova.add("flavor", name="m1.small", vcpus=1, ram=2048, disk=20),
        "bigger": nova.add("flavor", name="m1.large", vcpus=4, ram=8192, disk=40),
        "net": conn.network.add("network", name="demo-net"),
        "other_net": conn.network.add("network", name="other-net"),
        "web_sg": conn.network.add("security_group", id="2f6a1e3c-0b8d-4c1e-9a57-3e2d1c0b9a88", name="web"),
        "group": nova.add("server_group", name="web", policy="anti-affinity"),
    }


def server_args(**extra):
    return {
        "name": "web-1",
        "image": "debian-13",
        "flavor": "m1.small",
        "networks": [{"network": "demo-net", "fixed_ip": "10.0.0.5"}],
        **extra,
    }


def test_server_created_waited_for_and_unchanged_on_a_second_run(run, nova, cloud):
    args = server_args(
        key_name="operator",
        security_groups=["default", cloud["web_sg"].id],
        user_data="#cloud-config\npackages: [nginx]\n",
        config_drive=True,
        server_group="web",
        metadata={"role": "web", "tier": 1},
    )
    out = run(server.ServerModule, args)
    assert out["changed"] is True
    assert nova.mutations() == ["create_server"]
    sent = next(kw for name, _, kw in nova.calls if name == "create_server")
    assert sent == {
        "name": "web-1",
        "image_id": cloud["image"].id,
        "flavor_id": cloud["flavor"].id,
        "networks": [{"uuid": cloud["net"].id, "fixed_ip": "10.0.0.5"}],
        "key_name": "operator",
        "security_groups": [{"name": "default"}, {"name": cloud["web_sg"].id}],
        "user_data": base64.b64encode(args["user_data"].encode()).decode(),
        "config_drive": True,
        "scheduler_hints": {"group": cloud["group"].id},
        "metadata": {"role": "web", "tier": "1"},
    }
    assert "wait_for_server" in [c[0] for c in nova.calls]
    assert out["server"]["status"] == "ACTIVE" and "user_data" not in out["server"]
    assert out["server"]["image"] == {"id": cloud["image"].id}
    assert out["server"]["flavor"]["original_name"] == "m1.small"
    assert out["diff"]["after"]["user_data"] == HIDDEN and out["diff"]["after"]["flavor"] == "m1.small"
    assert out["diff"]["after"]["security_groups"] == ["default", "web"]
    assert "packages" not in json.dumps({"server": out["server"], "diff": out["diff"]})
    nova.calls.clear()
    again = run(server.ServerModule, {**args, "user_data": "something else"})
    assert again["changed"] is False and nova.mutations() == []
    before = again["diff"]["before"]
    assert before["networks"] == [{"network": cloud["net"].id, "fixed_ip": "10.0.0.5"}]
    assert before["power"] == "started" and before["server_group"] == cloud["group"].id


def test_server_create_in_check_mode_changes_nothing(run, nova, cloud):
    out = run(server.ServerModule, server_args(power="stopped"), check=True)
    assert out["changed"] is True and nova.mutations() == [] and nova.store["server"] == {}
    assert out["server"]["id"] is None and out["server"]["status"] == "SHUTOFF"
    real = run(server.ServerModule, server_args(power="stopped"))
    assert real["diff"] == out["diff"]
    assert nova.mutations() == ["create_server", "stop_server"] and real["server"]["status"] == "SHUTOFF"


def test_server_networks_default_to_auto_and_none(run, nova, cloud):
    run(server.ServerModule, {"name": "a", "image": "debian-13", "flavor": "m1.small"})
    assert nova.calls[[c[0] for c in nova.calls].index("create_server")][2]["networks"] == "auto"
    run(server.ServerModule, {"name": "b", "image": "debian-13", "flavor": "m1.small", "networks": []})
    assert [kw["networks"] for name, _, kw in nova.calls if name == "create_server"] == ["auto", "none"]
    again = run(server.ServerModule, {"name": "b", "networks": []})
    assert again["changed"] is False


def test_server_refuses_rebuild_resize_and_replug(run, nova, cloud):
    run(server.ServerModule, server_args())
    nova.calls.clear()
    resized = run(server.ServerModule, server_args(flavor="m1.large"))
    assert resized["failed"] is True
    assert "flavor ('m1.small' -> 'm1.large')" in resized["msg"]
    assert "does not resize servers: delete the server (state: absent)" in resized["msg"]
    rebuilt = run(server.ServerModule, server_args(image=cloud["trixie"].id))
    assert rebuilt["failed"] is True and "does not rebuild servers" in rebuilt["msg"]
    assert f"image ({cloud['image'].id!r} -> {cloud['trixie'].id!r})" in rebuilt["msg"]
    replugged = run(server.ServerModule, server_args(networks=[{"network": "other-net"}]))
    assert replugged["failed"] is True and "re-plug" in replugged["msg"] and "networks" in replugged["msg"]
    moved = run(server.ServerModule, server_args(networks=[{"network": "demo-net", "fixed_ip": "10.0.0.6"}]))
    assert moved["failed"] is True
    more = run(server.ServerModule, server_args(networks=[{"network": "demo-net"}, {"network": "other-net"}]))
    assert more["failed"] is True
    same = run(server.ServerModule, server_args(networks=[{"network": "demo-net"}]))
    assert same["changed"] is False
    assert nova.mutations() == []


def test_server_power_stop_and_start(run, nova, cloud):
    run(server.ServerModule, server_args())
    check = run(server.ServerModule, {"name": "web-1", "power": "stopped"}, check=True)
    assert check["changed"] is True and check["server"]["status"] == "SHUTOFF"
    assert check["diff"]["before"]["power"] == "started" and check["diff"]["after"]["power"] == "stopped"
    assert nova.mutations() == ["create_server"]
    out = run(server.ServerModule, {"name": "web-1", "power": "stopped"})
    assert out["changed"] is True and out["server"]["status"] == "SHUTOFF"
    assert nova.mutations()[-1] == "stop_server"
    waits = [kw.get("status") for name, _, kw in nova.calls if name == "wait_for_server"]
    assert waits[-1] == "SHUTOFF"
    assert run(server.ServerModule, {"name": "web-1", "power": "stopped"})["changed"] is False
    started = run(server.ServerModule, {"name": "web-1", "power": "started"})
    assert started["server"]["status"] == "ACTIVE" and nova.mutations()[-1] == "start_server"
    paused = next(iter(nova.store["server"].values()))
    nova.replace("server", paused, status="PAUSED")
    out = run(server.ServerModule, {"name": "web-1", "power": "stopped"}, check=True)
    assert out["failed"] is True and "is PAUSED: power switches only between" in out["msg"]


def test_server_metadata_set_and_unset(run, nova, cloud):
    run(server.ServerModule, server_args(metadata={"role": "web", "old": "x", "kept": "y"}))
    args = {"name": "web-1", "metadata": {"role": "db", "old": None}}
    check = run(server.ServerModule, args, check=True)
    assert check["changed"] is True and check["server"]["metadata"] == {"role": "db", "kept": "y"}
    assert check["diff"]["before"]["metadata"] == {"role": "web", "old": "x"}
    assert check["diff"]["after"]["metadata"] == {"role": "db"}
    out = run(server.ServerModule, args)
    assert nova.mutations()[-2:] == ["set_server_metadata", "delete_server_metadata"]
    assert nova.calls[[c[0] for c in nova.calls].index("set_server_metadata")][2] == {"role": "db"}
    assert out["server"]["metadata"] == {"role": "db", "kept": "y"}
    assert run(server.ServerModule, args)["changed"] is False


def test_server_error_fails_with_the_fault(run, nova, cloud):
    nova.build_fault = "No valid host was found. There are not enough hosts available."
    out = run(server.ServerModule, server_args())
    assert out["failed"] is True
    assert out["msg"].endswith(
        "is in ERROR: No valid host was found. There are not enough hosts available. (code 500)"
    )
    again = run(server.ServerModule, server_args())
    assert again["failed"] is True and "No valid host" in again["msg"]
    gone = run(server.ServerModule, {"name": "web-1", "state": "absent"})
    assert gone["changed"] is True and nova.store["server"] == {}


def test_server_booted_from_volume(run, nova, cloud):
    args = server_args(boot_from_volume=True, volume_size=40)
    out = run(server.ServerModule, args)
    sent = next(kw for name, _, kw in nova.calls if name == "create_server")
    assert "image_id" not in sent
    assert sent["block_device_mapping"] == [
        {
            "boot_index": 0,
            "uuid": cloud["image"].id,
            "source_type": "image",
            "destination_type": "volume",
            "volume_size": 40,
            "delete_on_termination": True,
        }
    ]
    assert out["server"]["image"] is None
    again = run(server.ServerModule, args)
    assert again["changed"] is False  # the image of a boot volume is not compared
    local = run(server.ServerModule, server_args(boot_from_volume=False))
    assert local["failed"] is True and "boot_from_volume (True -> False)" in local["msg"]
    no_size = run(server.ServerModule, server_args(name="x", boot_from_volume=True))
    assert no_size["failed"] is True and "volume_size" in no_size["msg"]


def test_server_volumes_attached_at_creation_and_later(run, nova, conn, cloud):
    data = conn.block_storage.add("volume", name="data", status="available")
    logs = conn.block_storage.add("volume", name="logs", status="available")
    run(server.ServerModule, server_args(volumes=["data"]))
    assert nova.mutations() == ["create_server", "create_volume_attachment"]
    assert nova.calls[[c[0] for c in nova.calls].index("create_volume_attachment")][2] == {"volume": data.id}
    assert conn.block_storage.store["volume"][data.id].status == "in-use"
    out = run(server.ServerModule, {"name": "web-1", "volumes": ["logs", "data"]})
    assert out["changed"] is True and nova.mutations()[-1] == "create_volume_attachment"
    assert nova.calls[-2][2] == {"volume": logs.id}
    assert out["diff"]["before"]["volumes"] == [data.id]
    assert out["diff"]["after"]["volumes"] == sorted([data.id, logs.id])
    assert run(server.ServerModule, {"name": "web-1", "volumes": ["data"]})["changed"] is False


def test_server_deleted_and_waited_for(run, nova, cloud):
    run(server.ServerModule, server_args())
    check = run(server.ServerModule, {"name": "web-1", "image": "gone", "state": "absent"}, check=True)
    assert check["changed"] is True and nova.store["server"]
    out = run(server.ServerModule, {"name": "web-1", "image": "gone", "state": "absent"})
    assert out["changed"] is True and nova.mutations()[-1] == "delete_server"
    assert nova.calls[-1][0] == "wait_for_delete"
    assert out["diff"]["before"]["name"] == "web-1" and out["diff"]["after"] == {}
    assert run(server.ServerModule, {"name": "web-1", "state": "absent"})["changed"] is False


def test_server_creation_needs_image_flavor_and_wait_for_what_follows(run, nova, cloud):
    out = run(server.ServerModule, {"name": "web-1", "flavor": "m1.small"}, check=True)
    assert out["failed"] is True and "set image to create it" in out["msg"]
    out = run(server.ServerModule, server_args(power="stopped", wait=False))
    assert out["failed"] is True and "needs wait: true" in out["msg"]
    missing = run(server.ServerModule, server_args(image="nope"))
    assert missing["failed"] is True and missing["msg"] == "image 'nope' not found"
    assert nova.mutations() == []


def test_server_without_wait_does_not_wait(run, nova, cloud):
    out = run(server.ServerModule, server_args(wait=False))
    assert out["changed"] is True and out["server"]["status"] == "BUILD"
    assert "wait_for_server" not in [c[0] for c in nova.calls]


def test_match_networks():
    interfaces = [
        {"network": "n1", "port": "p1", "fixed_ips": ["10.0.0.5", "fd00::5"]},
        {"network": "n2", "port": "p2", "fixed_ips": []},
    ]
    wanted = [{"network": "n2"}, {"network": "n1", "fixed_ip": "fd00::5"}]
    assert server.match_networks(wanted, interfaces) == wanted
    assert server.match_networks([{"port": "p1"}], interfaces) == [
        {"port": "p1"},
        {"network": "n2", "port": "p2", "fixed_ip": None},
    ]
    assert server.match_networks([{"network": "n3"}], interfaces[:1]) == [
        {"network": "n1", "port": "p1", "fixed_ip": "10.0.0.5"}
    ]


# --- image ----------------------------------------------------------------------------------------
@pytest.fixture
def disk(tmp_path):
    path = tmp_path / "guest.qcow2"
    path.write_bytes(b"QFI\xfb" + os.urandom(4096))
    return path


def digest(path, name):
    return hashlib.new(name, Path(path).read_bytes(), usedforsecurity=False).hexdigest()


def test_image_uploaded_checked_and_unchanged_on_a_second_run(run, glance, disk):
    args = {
        "name": "guest",
        "file": str(disk),
        "disk_format": "qcow2",
        "visibility": "public",
        "min_disk": 1,
        "protected": False,
        "tags": ["b", "a"],
        "properties": {"os_distro": "debian", "hw_qemu_guest_agent": True},
    }
    check = run(image.ImageModule, args, check=True)
    assert check["changed"] is True and glance.mutations() == [] and glance.store["image"] == {}
    out = run(image.ImageModule, args)
    assert out["changed"] is True and glance.mutations() == ["create_image"]
    (_, positional, sent) = glance.calls[[c[0] for c in glance.calls].index("create_image")]
    assert positional == ("guest",)
    assert sent["filename"] == str(disk)
    assert sent["md5"] == digest(disk, "md5") and sent["sha256"] == digest(disk, "sha256")
    assert sent["meta"] == {
        "os_distro": "debian",
        "hw_qemu_guest_agent": "true",
        "visibility": "public",
        "min_disk": 1,
        "protected": False,
    }
    assert sent["allow_duplicates"] is True and sent["disk_format"] == "qcow2" and sent["tags"] == ["b", "a"]
    assert out["image"]["checksum"] == digest(disk, "md5") and out["image"]["status"] == "active"
    assert out["diff"]["after"]["checksum"] == f"sha512:{digest(disk, 'sha512')}"
    assert out["diff"] == check["diff"]
    glance.calls.clear()
    again = run(image.ImageModule, {**args, "tags": ["a", "b"]})
    assert again["changed"] is False and glance.mutations() == []
    assert again["diff"]["before"]["checksum"] == f"sha512:{digest(disk, 'sha512')}"
    assert again["diff"]["before"]["properties"] == {"os_distro": "debian", "hw_qemu_guest_agent": "true"}


def test_image_whose_upload_differs_from_the_file_is_deleted(run, glance, disk):
    glance.corrupt = True
    out = run(image.ImageModule, {"name": "guest", "file": str(disk)})
    assert out["failed"] is True
    assert "does not match" in out["msg"] and f"(file: {digest(disk, 'md5')})" in out["msg"]
    assert "The image was deleted" in out["msg"]
    assert glance.mutations() == ["create_image", "delete_image"] and glance.store["image"] == {}


def test_image_with_other_data_fails_unless_forced(run, glance, disk, tmp_path):
    run(image.ImageModule, {"name": "guest", "file": str(disk), "properties": {"os_distro": "debian"}})
    old_id = next(iter(glance.store["image"]))
    newer = tmp_path / "newer.qcow2"
    newer.write_bytes(b"QFI\xfb newer build")
    out = run(image.ImageModule, {"name": "guest", "file": str(newer), "properties": {"os_distro": "debian"}})
    assert out["failed"] is True
    assert f"has other data (sha512:{digest(disk, 'sha512')}) than {newer}" in out["msg"]
    assert "set force: true to replace it" in out["msg"]
    args = {"name": "guest", "file": str(newer), "force": True, "properties": {"os_distro": "debian"}}
    check = run(image.ImageModule, args, check=True)
    assert check["changed"] is True and glance.mutations() == ["create_image"]
    assert check["image"]["properties"] == {"os_distro": "debian"}
    forced = run(image.ImageModule, args)
    assert forced["changed"] is True and glance.mutations()[-2:] == ["delete_image", "create_image"]
    last_create = [kw for name, _, kw in glance.calls if name == "create_image"][-1]
    assert last_create["meta"] == {"os_distro": "debian"}
    assert forced["image"]["id"] != old_id and forced["image"]["checksum"] == digest(newer, "md5")
    assert run(image.ImageModule, {"name": "guest", "file": str(newer)})["changed"] is False


def test_image_compared_with_glances_hash_algorithm(run, glance, disk):
    glance.add(
        "image",
        name="guest",
        status="active",
        checksum=digest(disk, "md5"),
        os_hash_algo="sha384",
        os_hash_value=digest(disk, "sha384"),
    )
    assert run(image.ImageModule, {"name": "guest", "file": str(disk)})["changed"] is False
    legacy = glance.add("image", name="legacy", status="active", checksum=digest(disk, "md5"))
    out = run(image.ImageModule, {"name": legacy.id, "file": str(disk)})
    assert out["changed"] is False and out["diff"]["before"]["checksum"] == f"md5:{digest(disk, 'md5')}"


def test_image_properties_tags_and_visibility_change_by_json_patch(run, glance):
    glance.add(
        "image",
        name="guest",
        status="active",
        visibility="private",
        protected=False,
        min_disk=0,
        tags=["a"],
        os_distro="debian",
        hw_disk_bus="virtio",
        custom="x",
    )
    args = {
        "name": "guest",
        "visibility": "community",
        "protected": True,
        "min_disk": 2,
        "tags": ["a", "b"],
        "properties": {"os_distro": "ubuntu", "hw_disk_bus": None, "custom": "x", "new/key": 3},
    }
    check = run(image.ImageModule, args, check=True)
    assert check["changed"] is True and glance.mutations() == []
    assert check["diff"]["before"]["properties"] == {
        "os_distro": "debian",
        "hw_disk_bus": "virtio",
        "custom": "x",
    }
    assert check["diff"]["after"]["properties"] == {"os_distro": "ubuntu", "custom": "x", "new/key": "3"}
    out = run(image.ImageModule, args)
    assert out["changed"] is True and glance.mutations() == ["patch"]
    _, (url,), sent = glance.calls[-2]
    assert url.startswith("/images/")
    assert sent["json"] == [
        {"op": "replace", "path": "/min_disk", "value": 2},
        {"op": "replace", "path": "/visibility", "value": "community"},
        {"op": "replace", "path": "/protected", "value": True},
        {"op": "replace", "path": "/tags", "value": ["a", "b"]},
        {"op": "replace", "path": "/os_distro", "value": "ubuntu"},
        {"op": "remove", "path": "/hw_disk_bus"},
        {"op": "add", "path": "/new~1key", "value": "3"},
    ]
    assert out["image"]["visibility"] == "community" and out["image"]["is_protected"] is True
    assert out["image"]["os_distro"] == "ubuntu" and out["image"]["hw_disk_bus"] is None
    assert out["diff"] == check["diff"]
    assert run(image.ImageModule, args)["changed"] is False


def test_image_members_added_and_removed(run, glance, conn):
    a = conn.identity.add("project", name="customer-a", domain_id="default")
    b = conn.identity.add("project", name="customer-b", domain_id="default")
    glance.add("image", name="appliance", status="active", visibility="private")
    refused = run(image.ImageModule, {"name": "appliance", "members": ["customer-a"]})
    assert (
        refused["failed"] is True
        and "members need visibility: shared (the image is private)" in refused["msg"]
    )
    args = {"name": "appliance", "visibility": "shared", "members": ["customer-a", b.id]}
    check = run(image.ImageModule, args, check=True)
    assert check["changed"] is True and glance.mutations() == []
    assert check["diff"]["before"]["members"] == [] and check["diff"]["after"]["members"] == sorted(
        [a.id, b.id]
    )
    out = run(image.ImageModule, args)
    assert glance.mutations() == ["patch", "add_member", "add_member"]
    assert out["image"]["members"] == sorted([a.id, b.id])
    assert run(image.ImageModule, args)["changed"] is False
    fewer = run(image.ImageModule, {"name": "appliance", "members": [b.id]})
    assert fewer["changed"] is True and glance.mutations()[-1] == "remove_member"
    assert fewer["image"]["members"] == [b.id]
    private = run(image.ImageModule, {"name": "appliance", "visibility": "private", "members": []})
    assert private["changed"] is True and glance.mutations()[-2:] == ["remove_member", "patch"]
    contradiction = run(image.ImageModule, {"name": "x", "visibility": "public", "members": ["customer-a"]})
    assert contradiction["failed"] is True and contradiction["msg"] == "members need visibility: shared"


def test_image_without_data_and_its_protection(run, glance, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").write_text("not image data")  # openstacksdk would upload a file named so
    out = run(image.ImageModule, {"name": "empty", "container_format": "bare", "protected": True})
    assert out["changed"] is True and out["image"]["status"] == "queued"
    sent = glance.calls[[c[0] for c in glance.calls].index("create_image")]
    assert "filename" not in sent[2]
    assert Path.cwd() == tmp_path
    gone = run(image.ImageModule, {"name": "empty", "state": "absent"})
    assert gone["failed"] is True and "is protected: set protected: false first" in gone["msg"]
    unprotected = run(image.ImageModule, {"name": "empty", "protected": False})
    assert unprotected["changed"] is True
    assert run(image.ImageModule, {"name": "empty", "state": "absent"})["changed"] is True
    assert glance.store["image"] == {}


def test_image_import_is_waited_for_then_checked(run, glance, disk):
    out = run(image.ImageModule, {"name": "guest", "file": str(disk), "use_import": True})
    assert out["changed"] is True and out["image"]["status"] == "active"
    assert glance.calls[[c[0] for c in glance.calls].index("create_image")][2]["use_import"] is True
    assert "wait_for_status" in [c[0] for c in glance.calls]
    glance.import_status = "killed"
    failed = run(image.ImageModule, {"name": "other", "file": str(disk), "use_import": True})
    assert failed["failed"] is True and "killed" in failed["msg"]


def test_image_refuses_properties_that_are_attributes_and_missing_files(run):
    out = run(image.ImageModule, {"name": "guest", "properties": {"visibility": "public"}})
    assert (
        out["failed"] is True and "properties may not set the image attributes ['visibility']" in out["msg"]
    )
    out = run(image.ImageModule, {"name": "guest", "file": "/nonexistent/guest.qcow2"})
    assert out["failed"] is True and "does not exist (on the host running the module)" in out["msg"]
    gone = run(image.ImageModule, {"name": "guest", "file": "/nonexistent/guest.qcow2", "state": "absent"})
    assert gone["changed"] is False


# --- info modules -------------------------------------------------------------------------------
def test_compute_info_by_name_and_filters(run, nova):
    small = nova.add("flavor", name="m1.small", vcpus=1, ram=2048)
    nova.add("flavor", name="m1.small.2", vcpus=2, ram=2048)
    out = run(compute_info.ComputeInfoModule, {"resource": "flavors", "name": "m1.small"})
    assert out["changed"] is False and [f["id"] for f in out["items"]] == [small.id]
    by_id = run(compute_info.ComputeInfoModule, {"resource": "flavors", "name": small.id})
    assert [f["name"] for f in by_id["items"]] == ["m1.small"]
    nova.add("server", name="web-1", status="ACTIVE")
    nova.add("server", name="web-10", status="SHUTOFF")
    servers = run(compute_info.ComputeInfoModule, {"resource": "servers", "name": "web-1"})
    assert [s["name"] for s in servers["items"]] == ["web-1"]
    assert nova.calls[-1][2] == {"name": "web-1"}
    stopped = run(compute_info.ComputeInfoModule, {"resource": "servers", "filters": {"status": "SHUTOFF"}})
    assert [s["name"] for s in stopped["items"]] == ["web-10"]
    none = run(compute_info.ComputeInfoModule, {"resource": "server_groups", "name": "nope"})
    assert none["items"] == []
    bad = run(compute_info.ComputeInfoModule, {"resource": "images"})
    assert bad["failed"] is True and "value of resource must be one of" in bad["msg"]


def test_image_info_by_name_and_filters(run, glance):
    guest = glance.add("image", name="guest", visibility="public", status="active")
    glance.add("image", name="private", visibility="private", status="active")
    out = run(image_info.ImageInfoModule, {"name": "guest"})
    assert [i["id"] for i in out["items"]] == [guest.id]
    by_id = run(image_info.ImageInfoModule, {"name": guest.id})
    assert [i["name"] for i in by_id["items"]] == ["guest"]
    public = run(image_info.ImageInfoModule, {"filters": {"visibility": "private"}})
    assert [i["name"] for i in public["items"]] == ["private"]
    assert run(image_info.ImageInfoModule, {"name": "nope"})["items"] == []
