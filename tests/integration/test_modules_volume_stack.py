"""The volume, volume_attachment, volume_info, stack and stack_info modules through ansible-playbook
against the AIO cloud: create, re-run without change, check mode changing nothing, the diff, delete.

The cloud is the one the AIO deploy left behind (inventories/aio/clouds.yaml, cloud `aio`, given to
the modules through OS_CLIENT_CONFIG_FILE). Cinder and heat come late in the AIO: the tests skip,
saying why, while the clouds.yaml is missing or the catalog has no volumev3 / orchestration. Only
lab addresses (172.29.x.x, loopback) are ever contacted: a catalog pointing elsewhere skips too.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from stackwright import paths

from .conftest import AIO_CLOUDS, REPO, cloud_connection, figure

pytestmark = [pytest.mark.lab, pytest.mark.extended]

CLOUD = "aio"
LAB = ipaddress.ip_network("172.29.0.0/16")
VOLUME_TYPES = ("volumev3", "block-storage", "volume")
GUEST_IMAGE = "stackwright-guest"
WAIT = 900  # seconds a module waits for cinder or heat (TCG lab, one node)


def lab_url(url: str) -> bool:
    """Whether a URL's host is a lab address (172.29.0.0/16) or loopback, written as an address."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name would need a lookup: not sure where it leads
    return address.is_loopback or address in LAB


def catalog_problem(catalog: list[dict], needed: dict[str, tuple[str, ...]]) -> str | None:
    """Why the cloud cannot serve these tests (a service missing, an endpoint off the lab), or None."""
    missing = [label for label, types in needed.items() if not any(s.get("type") in types for s in catalog)]
    if missing:
        return f"not in the AIO catalog yet: {', '.join(missing)} (deployed later in the AIO)"
    for service in catalog:
        if any(service.get("type") in types for types in needed.values()):
            for endpoint in service.get("endpoints", []):
                if not lab_url(endpoint.get("url", "")):
                    return f"{service['type']} endpoint {endpoint.get('url')} is not a lab address"
    return None


@pytest.fixture(scope="module")
def cloud():
    """A connection to the AIO cloud that has cinder and heat; skips, saying why, otherwise."""
    if not AIO_CLOUDS.exists():
        pytest.skip(
            f"no AIO cloud: {AIO_CLOUDS.relative_to(REPO)} does not exist "
            "(stackwright deploy -i inventories/aio writes it)"
        )
    config = (yaml.safe_load(AIO_CLOUDS.read_text()) or {}).get("clouds", {}).get(CLOUD)
    if not config:
        pytest.skip(f"{AIO_CLOUDS.relative_to(REPO)} has no cloud {CLOUD!r}")
    auth_url = config.get("auth", {}).get("auth_url", "")
    if not lab_url(auth_url):
        pytest.skip(f"the {CLOUD!r} cloud's auth_url {auth_url!r} is not a lab address")
    conn = cloud_connection()
    try:
        catalog = conn.service_catalog
    except Exception as exc:  # any failure to authenticate means there is no cloud to test
        pytest.skip(
            f"the AIO cloud at {auth_url} does not answer ({type(exc).__name__}: {exc}); is the lab up?"
        )
    problem = catalog_problem(catalog, {"volumev3": VOLUME_TYPES, "orchestration": ("orchestration",)})
    if problem:
        pytest.skip(problem)
    conn.catalog = catalog
    return conn


class Runner:
    """Runs one module task through ansible-playbook on localhost and returns its result."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.count = 0

    def __call__(self, module: str, args: dict, check: bool = False, diff: bool = True) -> dict:
        self.count += 1
        result_file = self.workdir / f"result-{self.count}.json"
        playbook = self.workdir / f"play-{self.count}.yml"
        task = {
            "name": f"stackwright.cloud.{module}",
            f"stackwright.cloud.{module}": {"cloud": CLOUD, **args},
            "register": "result",
            "ignore_errors": True,
        }
        keep = {
            "name": "Keep the result for the test",
            "ansible.builtin.copy": {
                "content": "{{ result | to_json }}",
                "dest": str(result_file),
                "mode": "0600",
            },
            "check_mode": False,
            "diff": False,
        }
        play = {
            "name": "Module under test",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
        }
        playbook.write_text(yaml.safe_dump([{**play, "tasks": [task, keep]}], sort_keys=False))
        command = [
            paths.tool("ansible-playbook"),
            "-i",
            "localhost,",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            str(playbook),
        ]
        command += ["--check"] if check else []
        command += ["--diff"] if diff else []
        env = {**paths.ansible_env(), "OS_CLIENT_CONFIG_FILE": str(AIO_CLOUDS)}
        proc = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=WAIT + 300, check=False
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return json.loads(result_file.read_text())


@pytest.fixture
def play(tmp_path):
    return Runner(tmp_path)


def unique(prefix: str) -> str:
    return f"sw-it-{prefix}-{uuid.uuid4().hex[:8]}"


def ok(result: dict) -> dict:
    assert not result.get("failed"), result.get("msg")
    return result


# --- volume -----------------------------------------------------------------------------------------
def test_volume_lifecycle(cloud, play):
    name = unique("vol")
    base = {"name": name, "size": 1, "metadata": {"purpose": "stackwright-test"}, "timeout": WAIT}
    try:
        check = ok(play("volume", base, check=True))
        assert check["changed"] is True and check["volume"]["id"] is None
        assert cloud.block_storage.find_volume(name) is None, "check mode created the volume"

        start = time.monotonic()
        created = ok(play("volume", base))
        figure("volume create (1 GiB)", time.monotonic() - start)
        assert created["changed"] is True and created["volume"]["status"] == "available"
        assert created["diff"]["before"] == {} and created["diff"]["after"]["size"] == 1

        again = ok(play("volume", base))
        assert again["changed"] is False and again["diff"]["before"] == again["diff"]["after"]

        grow = ok(play("volume", {**base, "size": 2}, check=True))
        assert grow["changed"] is True
        assert (grow["diff"]["before"]["size"], grow["diff"]["after"]["size"]) == (1, 2)
        assert cloud.block_storage.get_volume(created["volume"]["id"]).size == 1, "check mode extended it"

        grown = ok(play("volume", {**base, "size": 2, "description": "grown"}))
        assert grown["changed"] is True and grown["volume"]["size"] == 2
        assert ok(play("volume", {**base, "size": 2}))["changed"] is False

        shrink = play("volume", {**base, "size": 1})
        assert shrink.get("failed") is True and "cannot shrink" in shrink["msg"]

        listed = ok(play("volume_info", {"name": name}, diff=False))
        assert [v["id"] for v in listed["items"]] == [created["volume"]["id"]]

        gone_check = ok(play("volume", {"name": name, "state": "absent"}, check=True))
        assert gone_check["changed"] is True and cloud.block_storage.find_volume(name) is not None
        gone = ok(play("volume", {"name": name, "state": "absent", "timeout": WAIT}))
        assert gone["changed"] is True and gone["diff"]["after"] == {}
        assert cloud.block_storage.find_volume(name) is None
        assert ok(play("volume", {"name": name, "state": "absent"}))["changed"] is False
    finally:
        leftover = cloud.block_storage.find_volume(name)
        if leftover is not None:
            cloud.block_storage.delete_volume(leftover, ignore_missing=True)


# --- volume_attachment ------------------------------------------------------------------------------
@pytest.fixture
def server(cloud):
    """A server with no network, from the tiny guest image; skips without compute or the image."""
    problem = catalog_problem(cloud.catalog, {"compute": ("compute",), "image": ("image",)})
    if problem:
        pytest.skip(problem)
    image = cloud.image.find_image(GUEST_IMAGE)
    if image is None:
        pytest.skip(f"no image {GUEST_IMAGE!r} in the AIO cloud to boot a server from")
    flavors = sorted(cloud.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk))
    if not flavors:
        pytest.skip("no flavor in the AIO cloud")
    created = cloud.compute.create_server(
        name=unique("srv"), image_id=image.id, flavor_id=flavors[0].id, networks="none"
    )
    try:
        yield cloud.compute.wait_for_server(created, wait=WAIT)
    finally:
        cloud.compute.delete_server(created, ignore_missing=True)
        cloud.compute.wait_for_delete(created, wait=WAIT)


def test_volume_attachment_lifecycle(cloud, play, server):
    name = unique("att")
    ok(play("volume", {"name": name, "size": 1, "timeout": WAIT}))
    attach = {"server": server.id, "volume": name, "timeout": WAIT}
    try:
        check = ok(play("volume_attachment", attach, check=True))
        assert check["changed"] is True and cloud.block_storage.find_volume(name).status == "available"

        start = time.monotonic()
        attached = ok(play("volume_attachment", attach))
        figure("volume attach", time.monotonic() - start)
        assert attached["changed"] is True and attached["attachment"]["device"]
        assert attached["diff"]["after"]["server_id"] == server.id
        assert cloud.block_storage.find_volume(name).status == "in-use"
        assert ok(play("volume_attachment", attach))["changed"] is False

        where = ok(play("volume_info", {"resource": "attachments", "name": name}, diff=False))
        assert [a["server_id"] for a in where["items"]] == [server.id]

        detach_check = ok(play("volume_attachment", {**attach, "state": "absent"}, check=True))
        assert detach_check["changed"] is True and cloud.block_storage.find_volume(name).status == "in-use"
        detached = ok(play("volume_attachment", {**attach, "state": "absent"}))
        assert detached["changed"] is True and detached["diff"]["after"] == {}
        assert cloud.block_storage.find_volume(name).status == "available"
        assert ok(play("volume_attachment", {**attach, "state": "absent"}))["changed"] is False
    finally:
        volume = cloud.block_storage.find_volume(name)
        if volume is not None:
            if volume.attachments:
                cloud.compute.delete_volume_attachment(server, volume, ignore_missing=True)
                cloud.block_storage.wait_for_status(volume, "available", wait=WAIT)
            cloud.block_storage.delete_volume(volume, ignore_missing=True)


# --- stack --------------------------------------------------------------------------------------------
TEMPLATE = {
    "heat_template_version": "2021-04-16",
    "description": "stackwright module test",
    "parameters": {
        "length": {"type": "number", "default": 8},
        "greeting": {"type": "string", "default": "hello"},
    },
    "resources": {
        "token": {"type": "OS::Heat::RandomString", "properties": {"length": {"get_param": "length"}}},
        "message": {"type": "OS::Heat::Value", "properties": {"value": {"get_param": "greeting"}}},
    },
    "outputs": {
        "token_length": {"value": {"get_param": "length"}},
        "message": {"value": {"get_attr": ["message", "value"]}},
    },
}


def test_stack_lifecycle(cloud, play, tmp_path):
    name = unique("stack")
    base = {
        "name": name,
        "template": TEMPLATE,
        "parameters": {"length": 12},
        "tags": ["stackwright"],
        "timeout": WAIT,
    }
    try:
        check = ok(play("stack", base, check=True))
        assert check["changed"] is True and check["stack"]["id"] is None
        assert cloud.orchestration.find_stack(name) is None, "check mode created the stack"

        start = time.monotonic()
        created = ok(play("stack", base))
        figure("stack create (2 resources)", time.monotonic() - start)
        assert created["changed"] is True and created["stack"]["status"] == "CREATE_COMPLETE"
        assert str(created["outputs"]["token_length"]) == "12" and created["outputs"]["message"] == "hello"
        assert created["diff"]["after"]["parameters"] == {"length": 12}

        again = ok(play("stack", base))
        assert again["changed"] is False and again["changed_attributes"] == []

        new_parameters = {**base, "parameters": {"length": 16, "greeting": "bonjour"}}
        check_update = ok(play("stack", new_parameters, check=True))
        assert check_update["changed"] is True and check_update["changed_attributes"] == ["parameters"]
        assert check_update["diff"]["before"]["parameters"] == {"length": "12", "greeting": "hello"}
        assert check_update["diff"]["after"]["parameters"] == {"length": 16, "greeting": "bonjour"}
        assert check_update["diff"]["before"]["template"] == check_update["diff"]["after"]["template"]
        assert cloud.orchestration.find_stack(name).parameters["length"] == "12", "check mode updated it"

        updated = ok(play("stack", new_parameters))
        assert updated["changed"] is True and updated["stack"]["status"] == "UPDATE_COMPLETE"
        assert updated["outputs"]["message"] == "bonjour"
        assert ok(play("stack", new_parameters))["changed"] is False

        changed = json.loads(json.dumps(TEMPLATE))
        changed["resources"]["extra"] = {"type": "OS::Heat::None"}
        template_file = tmp_path / "stack.yaml"
        template_file.write_text(yaml.safe_dump(changed))
        from_file = {**new_parameters, "template": str(template_file)}
        check_template = ok(play("stack", from_file, check=True))
        assert check_template["changed_attributes"] == ["template"]
        assert "extra" in check_template["diff"]["after"]["template"]["resources"]
        assert "extra" not in check_template["diff"]["before"]["template"]["resources"]
        assert ok(play("stack", from_file))["stack"]["status"] == "UPDATE_COMPLETE"
        assert ok(play("stack", from_file))["changed"] is False

        shown = ok(play("stack_info", {"name": name, "resources": True}, diff=False))
        assert sorted(r["name"] for r in shown["resources"]) == ["extra", "message", "token"]
        assert shown["outputs"]["message"] == "bonjour"

        gone = ok(play("stack", {"name": name, "state": "absent", "timeout": WAIT}))
        assert gone["changed"] is True and gone["stack"] is None
        assert cloud.orchestration.find_stack(name) is None
        assert ok(play("stack", {"name": name, "state": "absent"}))["changed"] is False
    finally:
        leftover = cloud.orchestration.find_stack(name)
        if leftover is not None:
            cloud.orchestration.delete_stack(leftover, ignore_missing=True)


def test_a_failing_stack_reports_heats_reason(cloud, play):
    name = unique("broken")
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {"broken": {"type": "OS::Heat::TestResource", "properties": {"fail": True}}},
    }
    try:
        out = play("stack", {"name": name, "template": template, "timeout": WAIT})
        assert out.get("failed") is True
        assert "CREATE_FAILED" in out["msg"], out["msg"]
    finally:
        leftover = cloud.orchestration.find_stack(name)
        if leftover is not None:
            cloud.orchestration.delete_stack(leftover, ignore_missing=True)
