"""The tenant model against the AIO cloud: the check-mode plan lists exactly the changes the real
run then reports, a second run changes nothing, state: absent removes everything, and a bad
description is refused before any API call.

The description holds what the cloud's catalog can serve and our modules can make: identity
(domains, roles, projects, users, role assignments) always; quotas, networks, images, flavors,
keypairs, servers, volumes and stacks as their services and modules appear. Every name starts
with a random prefix, and whatever a failed test leaves is removed at the end.
"""

from __future__ import annotations

import io
import json
import os
import secrets
from pathlib import Path

import pytest
import yaml

from stackwright import paths, runner, tenants

from .cloudmods import connect
from .conftest import REPO, record

pytestmark = pytest.mark.lab

AIO = REPO / "inventories" / "aio"
CLOUDS = AIO / "clouds.yaml"
PLAYBOOK = paths.PLAYBOOKS / "tenants.yml"
MODULES = REPO / "plugins" / "modules"


def have(*modules: str) -> bool:
    return all((MODULES / f"{m}.py").exists() for m in modules)


@pytest.fixture(scope="module")
def cloud(aio_cloud):
    """A connection to the AIO cloud as its admin, and the service types of its catalog."""
    conn = connect()
    try:
        services = {s.type for s in conn.identity.services()}
    except Exception as exc:  # any failure to reach keystone means there is no cloud to test
        pytest.skip(f"keystone of the aio cloud does not answer: {exc}")
    old = os.environ.get("OS_CLIENT_CONFIG_FILE")
    os.environ["OS_CLIENT_CONFIG_FILE"] = str(CLOUDS)
    yield conn, services
    if old is None:
        os.environ.pop("OS_CLIENT_CONFIG_FILE", None)
    else:
        os.environ["OS_CLIENT_CONFIG_FILE"] = old


@pytest.fixture(scope="module")
def prefix(cloud):
    """A fresh prefix for every name; leftovers with it are removed at the end, whatever happened."""
    conn, _ = cloud
    name = f"swt{secrets.token_hex(3)}"
    yield name
    cleanup(conn, name)


def _named(items, prefix: str) -> list:
    return [item for item in items if (item.name or "").startswith(prefix)]


def cleanup(conn, prefix: str) -> None:
    # Servers first: they hold the AIO's memory, and their deletion detaches their volumes.
    if conn.has_service("compute"):
        servers = _named(conn.compute.servers(all_projects=True), prefix)
        for server in servers:
            conn.compute.delete_server(server, ignore_missing=True)
        for server in servers:
            conn.compute.wait_for_delete(server, wait=120)
    kinds = [
        ("compute", conn.compute.flavors, conn.compute.delete_flavor),
        (
            "block-storage",
            lambda: conn.block_storage.volumes(all_projects=True),
            conn.block_storage.delete_volume,
        ),
        ("network", conn.network.networks, conn.network.delete_network),
        ("image", conn.image.images, conn.image.delete_image),
        ("identity", conn.identity.users, conn.identity.delete_user),
        ("identity", conn.identity.projects, conn.identity.delete_project),
        ("identity", conn.identity.roles, conn.identity.delete_role),
    ]
    for service, listing, delete in kinds:
        if conn.has_service(service):
            for item in _named(listing(), prefix):
                delete(item, ignore_missing=True)
    for domain in _named(conn.identity.domains(), prefix):
        conn.identity.update_domain(domain, is_enabled=False)
        conn.identity.delete_domain(domain, ignore_missing=True)


# --- the description -----------------------------------------------------------------------------
def _public_key() -> str:
    """A real (throwaway) OpenSSH public key: nova refuses one it cannot fingerprint."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: PLC0415

    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return (
        key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
        + " sw-test"
    )


def description(prefix: str, services: set[str], tmp: Path) -> tuple[dict, list[str]]:
    """The test description for what the cloud serves, and what it covers (for the report)."""
    p = prefix
    desc: dict = {
        "cloud": "aio",
        "domains": [{"name": f"{p}-dom", "description": "stackwright tenant test"}],
        "roles": [{"name": f"{p}-auditor"}],
        "projects": [
            {
                "name": f"{p}-one",
                "domain": f"{p}-dom",
                "description": "first test project",
                "tags": ["stackwright-test"],
                "users": [
                    {
                        "name": f"{p}-ann",
                        "password": "{{ tenants_test_ann_password }}",
                        "email": "ann@example.invalid",
                        "roles": ["member", f"{p}-auditor"],
                    }
                ],
            },
            {
                "name": f"{p}-two",
                "users": [
                    {"name": f"{p}-ann", "domain": f"{p}-dom", "external": True, "roles": ["reader"]},
                    {"name": f"{p}-bob", "password": "{{ tenants_test_bob_password }}", "roles": ["member"]},
                ],
            },
        ],
    }
    covers = ["domains", "roles", "projects", "users", "role assignments"]
    one = desc["projects"][0]
    quotas = {}
    if "compute" in services:
        quotas["compute"] = {"instances": 7, "cores": 13}
    if "network" in services:
        quotas["network"] = {"routers": 3}
    if "block-storage" in services or "volumev3" in services:
        quotas["volume"] = {"gigabytes": 77}
    if quotas:
        one["quotas"] = quotas
        covers.append("quotas")
    if "image" in services and have("image"):
        disk = tmp / "disk.raw"
        disk.write_bytes(b"\0" * 1024 * 1024)
        one["images"] = [{"name": f"{p}-img", "file": str(disk), "disk_format": "raw"}]
        desc["images"] = [{"name": f"{p}-public", "file": str(disk), "disk_format": "raw", "min_ram": 64}]
        covers.append("images")
    if "network" in services and have("network", "subnet", "security_group", "security_group_rule"):
        one["networks"] = [{"name": f"{p}-net", "subnets": [{"name": f"{p}-sub", "cidr": "10.251.0.0/24"}]}]
        one["security_groups"] = [{"name": f"{p}-sg", "rules": [{"protocol": "tcp", "port": 22}]}]
        covers += ["networks", "subnets", "security groups"]
    if "compute" in services and have("flavor", "keypair"):
        desc["flavors"] = [{"name": f"{p}-flavor", "vcpus": 1, "ram": 128, "disk": 1}]
        one["keypairs"] = [{"name": f"{p}-key", "public_key": _public_key()}]
        covers += ["flavors", "keypairs"]
    if "images" in covers and "networks" in covers and "flavors" in covers and have("server"):
        one["servers"] = [
            {
                "name": f"{p}-vm",
                "image": f"{p}-img",
                "flavor": f"{p}-flavor",
                "networks": [f"{p}-net"],
                "key": f"{p}-key",
                "security_groups": [f"{p}-sg"],
            }
        ]
        covers.append("servers")
        if ("block-storage" in services or "volumev3" in services) and have("volume", "volume_attachment"):
            one["volumes"] = [{"name": f"{p}-vol", "size": 1, "attach_to": f"{p}-vm"}]
            covers.append("volumes")
    if "orchestration" in services and have("stack"):
        template = tmp / "stack.yaml"
        template.write_text(
            "heat_template_version: 2021-04-16\nresources:\n  nothing:\n    type: OS::Heat::None\n"
        )
        one["stacks"] = [{"name": f"{p}-stack", "template": str(template)}]
        covers.append("stacks")
    return desc, covers


def absent(desc: dict) -> dict:
    """The same description with every top-level entry absent (what is inside goes with it)."""
    out = json.loads(json.dumps(desc))
    for key in ("domains", "roles", "flavors", "images", "networks", "projects"):
        for entry in out.get(key, []):
            entry["state"] = "absent"
    return out


# --- running the playbook --------------------------------------------------------------------------
class Run:
    def __init__(self, result: runner.RunResult):
        self.result = result
        self.events = runner.events(result.artifacts)
        self.stdout = "".join(p.read_text(errors="replace") for p in result.artifacts.glob("*/stdout"))

    @property
    def changed(self) -> set[str]:
        """The labels of the steps (loop items) that reported a change."""
        out = set()
        for event in self.events:
            data = event.get("event_data", {})
            res = data.get("res", {})
            if event["event"] == "runner_item_on_ok" and res.get("changed"):
                out.add(res.get("_ansible_item_label"))
        return out

    @property
    def tasks(self) -> list[str]:
        return [
            e["event_data"].get("task", "") for e in self.events if e["event"] == "playbook_on_task_start"
        ]

    def text(self) -> str:
        return self.stdout + "".join(json.dumps(e) for e in self.events)


def play(path: Path, passwords: dict, check: bool = False) -> Run:
    result = runner.run_playbook(
        PLAYBOOK, AIO, extravars={"tenants_file": str(path), **passwords}, check=check, out=io.StringIO()
    )
    run = Run(result)
    assert result.ok, [f"{f.task}: {f.message}" for f in result.failures]
    return run


def write(path: Path, desc: dict) -> Path:
    path.write_text(yaml.safe_dump(desc, sort_keys=False))
    return path


# --- the tests ---------------------------------------------------------------------------------------
def test_check_plan_equals_real_run_then_nothing_then_removed(cloud, prefix, tmp_path):
    conn, services = cloud
    passwords = {
        "tenants_test_ann_password": "Ann-" + secrets.token_urlsafe(24),
        "tenants_test_bob_password": "Bob-" + secrets.token_urlsafe(24),
    }
    desc, covers = description(prefix, services, tmp_path)
    record("tenant model covers", ", ".join(covers))
    path = write(tmp_path / "tenants.yml", desc)
    planned = {s.label for s in tenants.plan(desc, tenants.Options(base_dir=tmp_path))}

    # The check lists every step (everything is new), and changes nothing.
    check = play(path, passwords, check=True)
    assert check.changed == planned
    assert not [p for p in conn.identity.projects() if p.name.startswith(prefix)]

    # The real run makes exactly the changes the check listed.
    real = play(path, passwords)
    assert real.changed == check.changed
    one = conn.identity.find_project(f"{prefix}-one", domain_id=conn.identity.find_domain(f"{prefix}-dom").id)
    assert one.description == "first test project"
    assert one.tags == ["stackwright-test"]
    if "images" in covers:
        images = {i.name: i for i in conn.image.images() if (i.name or "").startswith(prefix)}
        assert images[f"{prefix}-public"].visibility == "public"
        assert images[f"{prefix}-img"].visibility == "private"
        assert images[f"{prefix}-img"].owner == one.id  # made from inside the project

    # The passwords were set, and never printed.
    import openstack  # noqa: PLC0415 - only these tests need the SDK

    bob = openstack.connect(
        auth={
            "auth_url": conn.config.config["auth"]["auth_url"],
            "username": f"{prefix}-bob",
            "password": passwords["tenants_test_bob_password"],
            "user_domain_name": "Default",
            "project_name": f"{prefix}-two",
            "project_domain_name": "Default",
        },
        cacert=conn.config.config.get("cacert"),
        load_yaml_config=False,
        load_envvars=False,
    )
    assert bob.auth_token
    for run in (check, real):
        for password in passwords.values():
            assert password not in run.text()

    # A second run (and a second check) changes nothing.
    again = play(path, passwords)
    assert again.changed == set() and again.result.changed() == 0
    assert play(path, passwords, check=True).changed == set()

    # state: absent removes everything; the check lists exactly what the removal does.
    gone = write(tmp_path / "absent.yml", absent(desc))
    planned_removal = {s.label for s in tenants.plan(absent(desc), tenants.Options(base_dir=tmp_path))}
    check_removal = play(gone, passwords, check=True)
    assert check_removal.changed == planned_removal
    removal = play(gone, passwords)
    assert removal.changed == check_removal.changed
    assert not [p for p in conn.identity.projects() if p.name.startswith(prefix)]
    assert not [u for u in conn.identity.users() if u.name.startswith(prefix)]
    assert not [r for r in conn.identity.roles() if r.name.startswith(prefix)]
    assert not [d for d in conn.identity.domains() if d.name.startswith(prefix)]
    if "images" in covers:
        assert not [i for i in conn.image.images() if (i.name or "").startswith(prefix)]
    assert play(gone, passwords).changed == set()


def test_bad_description_is_refused_before_any_api_call(cloud, prefix, tmp_path):
    desc, _ = description(prefix, {"identity"}, tmp_path)
    desc["projects"][0]["users"][0]["roles"] = ["membr"]
    desc["projects"][1]["users"].append({"name": f"{prefix}-bob", "roles": ["reader"]})
    path = write(tmp_path / "bad.yml", desc)
    passwords = {"tenants_test_ann_password": "x" * 40, "tenants_test_bob_password": "y" * 40}
    result = runner.run_playbook(
        PLAYBOOK, AIO, extravars={"tenants_file": str(path), **passwords}, out=io.StringIO()
    )
    run = Run(result)
    assert not result.ok
    message = result.failures[0].message
    assert "the tenant description is not valid (2 problem(s)); nothing was changed" in message
    assert "projects[0].users[0].roles[0]: role 'membr' is not defined (did you mean 'member'?)" in message
    assert (
        f"projects[1].users[2]: user '{prefix}-bob' is listed twice in project 'Default/{prefix}-two'"
        in message
    )
    # The validation was the last task: no module ran, nothing exists.
    assert run.tasks[-1] == "Validate the tenant description and plan its steps"
    assert not [p for p in cloud[0].identity.projects() if p.name.startswith(prefix)]
