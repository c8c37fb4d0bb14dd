"""The volume, volume_attachment, volume_info, stack and stack_info modules (run by cloudmods.play)
against the AIO cloud: create, re-run without change, check mode changing nothing, the diff, delete.

The cloud is the one the AIO deploy left behind (inventories/aio/clouds.yaml, cloud `aio`, given to
the modules through OS_CLIENT_CONFIG_FILE). Cinder and heat come late in the AIO: the tests skip,
saying why, while the clouds.yaml is missing or the catalog has no volumev3 / orchestration. Only
lab addresses (172.29.x.x, loopback) are ever contacted: a catalog pointing elsewhere skips too.
"""

from __future__ import annotations

import functools
import json
import time
import uuid

import pytest
import yaml

from . import cloudmods
from .cloudmods import WAIT, connect, needs
from .conftest import figure

pytestmark = pytest.mark.lab

GUEST_IMAGE = "stackwright-guest"


@pytest.fixture(scope="module")
def cloud(aio_cloud):
    return connect()


@pytest.fixture
def play(tmp_path):
    """cloudmods.play in this test's directory."""
    return functools.partial(cloudmods.play, tmp_path)


def unique(prefix: str) -> str:
    return f"sw-it-{prefix}-{uuid.uuid4().hex[:8]}"


# --- volume -----------------------------------------------------------------------------------------
def test_volume_lifecycle(cloud, play):
    needs(cloud, "block-storage")
    name = unique("vol")
    base = {"name": name, "size": 1, "metadata": {"purpose": "stackwright-test"}, "timeout": WAIT}
    try:
        check = play("volume", base, check=True)
        assert check["changed"] is True and check["volume"]["id"] is None
        assert cloud.block_storage.find_volume(name) is None, "check mode created the volume"

        start = time.monotonic()
        created = play("volume", base)
        figure("volume create (1 GiB)", time.monotonic() - start)
        assert created["changed"] is True and created["volume"]["status"] == "available"
        assert created["diff"]["before"] == {} and created["diff"]["after"]["size"] == 1

        again = play("volume", base)
        assert again["changed"] is False and again["diff"]["before"] == again["diff"]["after"]

        grow = play("volume", {**base, "size": 2}, check=True)
        assert grow["changed"] is True
        assert (grow["diff"]["before"]["size"], grow["diff"]["after"]["size"]) == (1, 2)
        assert cloud.block_storage.get_volume(created["volume"]["id"]).size == 1, "check mode extended it"

        grown = play("volume", {**base, "size": 2, "description": "grown"})
        assert grown["changed"] is True and grown["volume"]["size"] == 2
        assert play("volume", {**base, "size": 2})["changed"] is False

        shrink = play("volume", {**base, "size": 1}, fails=True)
        assert "cannot shrink" in shrink["msg"]

        listed = play("volume_info", {"name": name}, diff=False)
        assert [v["id"] for v in listed["items"]] == [created["volume"]["id"]]

        gone_check = play("volume", {"name": name, "state": "absent"}, check=True)
        assert gone_check["changed"] is True and cloud.block_storage.find_volume(name) is not None
        gone = play("volume", {"name": name, "state": "absent", "timeout": WAIT})
        assert gone["changed"] is True and gone["diff"]["after"] == {}
        assert cloud.block_storage.find_volume(name) is None
        assert play("volume", {"name": name, "state": "absent"})["changed"] is False
    finally:
        leftover = cloud.block_storage.find_volume(name)
        if leftover is not None:
            cloud.block_storage.delete_volume(leftover, ignore_missing=True)


# --- volume_attachment ------------------------------------------------------------------------------
@pytest.fixture
def server(cloud):
    """A server with no network, from the tiny guest image; skips without compute or the image."""
    needs(cloud, "block-storage", "compute", "image")
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
    play("volume", {"name": name, "size": 1, "timeout": WAIT})
    attach = {"server": server.id, "volume": name, "timeout": WAIT}
    try:
        check = play("volume_attachment", attach, check=True)
        assert check["changed"] is True and cloud.block_storage.find_volume(name).status == "available"

        start = time.monotonic()
        attached = play("volume_attachment", attach)
        figure("volume attach", time.monotonic() - start)
        assert attached["changed"] is True and attached["attachment"]["device"]
        assert attached["diff"]["after"]["server_id"] == server.id
        assert cloud.block_storage.find_volume(name).status == "in-use"
        assert play("volume_attachment", attach)["changed"] is False

        where = play("volume_info", {"resource": "attachments", "name": name}, diff=False)
        assert [a["server_id"] for a in where["items"]] == [server.id]

        detach_check = play("volume_attachment", {**attach, "state": "absent"}, check=True)
        assert detach_check["changed"] is True and cloud.block_storage.find_volume(name).status == "in-use"
        detached = play("volume_attachment", {**attach, "state": "absent"})
        assert detached["changed"] is True and detached["diff"]["after"] == {}
        assert cloud.block_storage.find_volume(name).status == "available"
        assert play("volume_attachment", {**attach, "state": "absent"})["changed"] is False
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
    needs(cloud, "orchestration")
    name = unique("stack")
    base = {
        "name": name,
        "template": TEMPLATE,
        "parameters": {"length": 12},
        "tags": ["stackwright"],
        "timeout": WAIT,
    }
    try:
        check = play("stack", base, check=True)
        assert check["changed"] is True and check["stack"]["id"] is None
        assert cloud.orchestration.find_stack(name) is None, "check mode created the stack"

        start = time.monotonic()
        created = play("stack", base)
        figure("stack create (2 resources)", time.monotonic() - start)
        assert created["changed"] is True and created["stack"]["status"] == "CREATE_COMPLETE"
        assert str(created["outputs"]["token_length"]) == "12" and created["outputs"]["message"] == "hello"
        assert created["diff"]["after"]["parameters"] == {"length": 12}

        again = play("stack", base)
        assert again["changed"] is False and again["changed_attributes"] == []

        new_parameters = {**base, "parameters": {"length": 16, "greeting": "bonjour"}}
        check_update = play("stack", new_parameters, check=True)
        assert check_update["changed"] is True and check_update["changed_attributes"] == ["parameters"]
        assert check_update["diff"]["before"]["parameters"] == {"length": "12", "greeting": "hello"}
        assert check_update["diff"]["after"]["parameters"] == {"length": 16, "greeting": "bonjour"}
        assert check_update["diff"]["before"]["template"] == check_update["diff"]["after"]["template"]
        assert cloud.orchestration.find_stack(name).parameters["length"] == "12", "check mode updated it"

        updated = play("stack", new_parameters)
        assert updated["changed"] is True and updated["stack"]["status"] == "UPDATE_COMPLETE"
        assert updated["outputs"]["message"] == "bonjour"
        assert play("stack", new_parameters)["changed"] is False

        changed = json.loads(json.dumps(TEMPLATE))
        changed["resources"]["extra"] = {"type": "OS::Heat::None"}
        template_file = tmp_path / "stack.yaml"
        template_file.write_text(yaml.safe_dump(changed))
        from_file = {**new_parameters, "template": str(template_file)}
        check_template = play("stack", from_file, check=True)
        assert check_template["changed_attributes"] == ["template"]
        assert "extra" in check_template["diff"]["after"]["template"]["resources"]
        assert "extra" not in check_template["diff"]["before"]["template"]["resources"]
        assert play("stack", from_file)["stack"]["status"] == "UPDATE_COMPLETE"
        assert play("stack", from_file)["changed"] is False

        shown = play("stack_info", {"name": name, "resources": True}, diff=False)
        assert sorted(r["name"] for r in shown["resources"]) == ["extra", "message", "token"]
        assert shown["outputs"]["message"] == "bonjour"

        gone = play("stack", {"name": name, "state": "absent", "timeout": WAIT})
        assert gone["changed"] is True and gone["stack"] is None
        assert cloud.orchestration.find_stack(name) is None
        assert play("stack", {"name": name, "state": "absent"})["changed"] is False
    finally:
        leftover = cloud.orchestration.find_stack(name)
        if leftover is not None:
            cloud.orchestration.delete_stack(leftover, ignore_missing=True)


def test_a_failing_stack_reports_heats_reason(cloud, play):
    needs(cloud, "orchestration")
    name = unique("broken")
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {"broken": {"type": "OS::Heat::TestResource", "properties": {"fail": True}}},
    }
    try:
        # through ansible-playbook: the failure as an operator sees it
        out = play("stack", {"name": name, "template": template, "timeout": WAIT}, fails=True, via="playbook")
        assert "CREATE_FAILED" in out["msg"], out["msg"]
    finally:
        leftover = cloud.orchestration.find_stack(name)
        if leftover is not None:
            cloud.orchestration.delete_stack(leftover, ignore_missing=True)
