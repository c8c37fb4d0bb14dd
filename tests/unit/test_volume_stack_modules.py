"""The block storage and orchestration modules on fake proxies: the update logic of each through
the state machine, check mode, diff, waiting and the failures they must name."""

from __future__ import annotations

import json

import pytest
import yaml
from ansible_collections.stackwright.cloud.plugins.modules import (
    stack,
    stack_info,
    volume,
    volume_attachment,
    volume_info,
)
from openstack.identity.v3._proxy import Proxy as IdentityAPI
from openstack.identity.v3.domain import Domain
from openstack.identity.v3.project import Project

from tests.unit.openstack_fakes import FakeConnection, FakeProxy, run_module
from tests.unit.openstack_fakes_volume_stack import (
    OWN_PROJECT,
    BlockStorageProxy,
    ComputeProxy,
    OrchestrationProxy,
    image_proxy,
)


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    for cls in (volume.VolumeModule, volume_attachment.VolumeAttachmentModule, stack.StackModule):
        monkeypatch.setattr(cls, "poll_interval", 0)


@pytest.fixture
def cinder():
    proxy = BlockStorageProxy()
    proxy.add("type", id="type-rbd", name="rbd")
    proxy.add("type", id="type-fast", name="fast")
    return proxy


@pytest.fixture
def nova(cinder):
    return ComputeProxy(cinder)


@pytest.fixture
def glance():
    proxy = image_proxy()
    proxy.add("image", id="image-guest", name="stackwright-guest")
    return proxy


@pytest.fixture
def heat():
    return OrchestrationProxy()


@pytest.fixture
def identity():
    proxy = FakeProxy({"domain": Domain, "project": Project}, real=IdentityAPI)
    proxy.add("domain", id="default", name="Default")
    proxy.add("project", id=OWN_PROJECT, name="demo", domain_id="default")
    proxy.add("project", id="project-other", name="other", domain_id="default")
    return proxy


@pytest.fixture
def conn(cinder, nova, glance, heat, identity):
    return FakeConnection(
        block_storage=cinder,
        compute=nova,
        image=glance,
        orchestration=heat,
        identity=identity,
        current_project_id=OWN_PROJECT,
    )


@pytest.fixture
def run(capsys, conn):
    def _run(module, args, check=False, diff=True):
        return run_module(capsys, module, args, conn, check=check, diff=diff)

    return _run


# --- volume ---------------------------------------------------------------------------------------
def test_volume_created_waited_for_then_unchanged(run, cinder):
    args = {"name": "data", "size": 10, "volume_type": "type-rbd", "metadata": {"role": "db", "n": 1}}
    out = run(volume.VolumeModule, args)
    assert out["changed"] is True
    _, _, sent = next(c for c in cinder.calls if c[0] == "create_volume")
    assert sent == {"name": "data", "size": 10, "volume_type": "rbd", "metadata": {"role": "db", "n": "1"}}
    assert out["volume"]["status"] == "available"  # waited for
    assert "wait_for_status" in cinder.names()
    assert out["diff"] == {
        "before": {},
        "after": {
            "name": "data",
            "size": 10,
            "volume_type": "rbd",
            "metadata": {"role": "db", "n": "1"},
        },
    }
    cinder.calls.clear()
    again = run(volume.VolumeModule, {**args, "volume_type": "rbd"})
    assert again["changed"] is False and cinder.mutations() == []
    assert again["diff"]["before"] == again["diff"]["after"]


def test_volume_create_in_check_mode_changes_nothing(run, cinder):
    out = run(volume.VolumeModule, {"name": "data", "size": 10}, check=True)
    assert out["changed"] is True and cinder.mutations() == [] and cinder.store["volume"] == {}
    assert out["volume"] == {"id": None, "name": "data", "size": 10}
    assert out["diff"]["after"] == {"name": "data", "size": 10}


def test_volume_grows_and_waits_for_the_new_size(run, cinder):
    vol = cinder.volume(name="data", size=10, volume_type="rbd")
    check = run(volume.VolumeModule, {"name": "data", "size": 20}, check=True)
    assert check["changed"] is True and cinder.mutations() == []
    assert check["volume"]["size"] == 20
    assert (check["diff"]["before"]["size"], check["diff"]["after"]["size"]) == (10, 20)
    out = run(volume.VolumeModule, {"name": "data", "size": 20})
    assert out["changed"] is True and cinder.mutations() == ["extend_volume"]
    assert out["volume"]["size"] == 20 and out["volume"]["status"] == "available"
    assert cinder.store["volume"][vol.id].size == 20
    assert run(volume.VolumeModule, {"name": "data", "size": 20})["changed"] is False


def test_an_attached_volume_grows_in_use(run, cinder):
    cinder.volume(name="data", size=10, status="in-use", attachments=[{"server_id": "s1"}])
    out = run(volume.VolumeModule, {"name": "data", "size": 11})
    assert out["changed"] is True and out["volume"]["status"] == "in-use" and out["volume"]["size"] == 11


def test_volume_never_shrinks(run, cinder):
    cinder.volume(name="data", size=10)
    out = run(volume.VolumeModule, {"name": "data", "size": 5})
    assert out["failed"] is True
    assert "is 10 GiB and cannot shrink to 5 GiB" in out["msg"] and "only extends" in out["msg"]
    assert cinder.mutations() == []


def test_volume_type_is_not_retyped(run, cinder):
    cinder.volume(name="data", size=10, volume_type="rbd")
    out = run(volume.VolumeModule, {"name": "data", "volume_type": "fast"})
    assert out["failed"] is True
    assert "is of type 'rbd', not 'fast'" in out["msg"] and "does not retype" in out["msg"]
    missing = run(volume.VolumeModule, {"name": "data", "volume_type": "nvme"})
    assert missing["failed"] is True and missing["msg"] == "type 'nvme' not found"
    assert cinder.mutations() == []


def test_volume_availability_zone_is_create_only(run, cinder):
    cinder.volume(name="data", size=10, availability_zone="nova")
    out = run(volume.VolumeModule, {"name": "data", "availability_zone": "az2"})
    assert out["failed"] is True and "availability_zone ('nova' -> 'az2')" in out["msg"]


def test_volume_from_an_image_is_found_again_by_its_image_metadata(run, cinder):
    args = {"name": "boot", "size": 2, "image": "stackwright-guest"}
    out = run(volume.VolumeModule, args)
    assert out["changed"] is True
    assert next(c for c in cinder.calls if c[0] == "create_volume")[2]["image_id"] == "image-guest"
    assert out["volume"]["is_bootable"] is True
    again = run(volume.VolumeModule, args)
    assert again["changed"] is False
    assert again["diff"]["before"]["image_id"] == "image-guest"


def test_volume_from_a_snapshot_takes_its_size(run, cinder):
    cinder.add("snapshot", id="snap-1", name="nightly", size=7, status="available")
    out = run(volume.VolumeModule, {"name": "restored", "snapshot": "nightly"})
    assert out["changed"] is True and out["volume"]["size"] == 7 and out["volume"]["snapshot_id"] == "snap-1"
    both = run(volume.VolumeModule, {"name": "x", "snapshot": "nightly", "image": "stackwright-guest"})
    assert both["failed"] is True and "mutually exclusive" in both["msg"]


def test_volume_updates_description_metadata_and_bootable_by_their_own_calls(run, cinder):
    cinder.volume(name="data", size=10, description="old", metadata={"keep": "me", "role": "web"})
    args = {"name": "data", "description": "new", "metadata": {"role": "db"}, "bootable": True}
    out = run(volume.VolumeModule, args)
    assert out["changed"] is True
    assert cinder.mutations() == ["update_volume", "set_volume_metadata", "set_volume_bootable_status"]
    assert out["volume"]["metadata"] == {"keep": "me", "role": "db"}  # other keys left alone
    assert out["diff"]["before"]["metadata"] == {"role": "web"}
    assert out["diff"]["after"] == {
        **out["diff"]["before"],
        "description": "new",
        "metadata": {"role": "db"},
        "bootable": True,
    }
    assert run(volume.VolumeModule, args)["changed"] is False


def test_bootable_is_set_once_a_new_volume_is_available(run, cinder):
    out = run(volume.VolumeModule, {"name": "data", "size": 1, "bootable": True})
    assert out["changed"] is True and out["volume"]["is_bootable"] is True
    assert "is_bootable" not in next(c for c in cinder.calls if c[0] == "create_volume")[2]
    assert cinder.mutations() == ["create_volume", "set_volume_bootable_status"]


def test_a_volume_ending_in_error_fails_naming_it(run, cinder):
    cinder.create_outcome = "error"
    out = run(volume.VolumeModule, {"name": "data", "size": 10})
    assert out["failed"] is True
    assert "volume 'data'" in out["msg"] and "went into status error while being created" in out["msg"]
    stuck = run(volume.VolumeModule, {"name": "data", "size": 10})
    assert stuck["failed"] is True and "is in status error: delete it (state=absent)" in stuck["msg"]


def test_a_failed_extend_fails_naming_the_status(run, cinder):
    cinder.volume(name="data", size=10)
    cinder.extend_outcome = "error_extending"
    out = run(volume.VolumeModule, {"name": "data", "size": 20})
    assert out["failed"] is True and "went into status error_extending while being extended" in out["msg"]


def test_a_volume_that_cinder_fails_to_delete_fails_naming_it(run, cinder):
    vol = cinder.volume(name="data", size=10)
    real_delete = cinder.delete_volume

    def delete_fails(volume, ignore_missing=True, **kwargs):
        cinder._call("delete_volume", volume, ignore_missing)
        cinder._set(volume.id, status="deleting")
        cinder.later[volume.id] = [{"status": "error_deleting"}]

    cinder.delete_volume = delete_fails
    out = run(volume.VolumeModule, {"name": "data", "state": "absent"})
    assert out["failed"] is True and "went into status error_deleting while being deleted" in out["msg"]
    cinder.delete_volume = real_delete
    assert vol.id in cinder.store["volume"]


def test_volume_deleted_and_waited_for(run, cinder):
    vol = cinder.volume(name="data", size=10, metadata={"a": "1"})
    check = run(volume.VolumeModule, {"name": "data", "state": "absent"}, check=True)
    assert check["changed"] is True and cinder.mutations() == []
    out = run(volume.VolumeModule, {"name": "data", "state": "absent"})
    assert out["changed"] is True and out["volume"] is None
    assert cinder.mutations() == ["delete_volume"] and cinder.names()[-1] == "get_volume"  # until gone
    assert out["diff"]["before"]["size"] == 10 and out["diff"]["after"] == {}
    assert vol.id not in cinder.store["volume"]
    assert run(volume.VolumeModule, {"name": "data", "state": "absent"})["changed"] is False


def test_another_projects_volume_is_found_across_projects_but_not_created(run, cinder):
    cinder.volume(name="data", size=10, project_id="project-other")
    cinder.volume(name="data", size=3)  # the token's project has one by the same name
    found = run(volume.VolumeModule, {"name": "data", "project": "other", "size": 10})
    assert found["changed"] is False and found["volume"]["project_id"] == "project-other"
    volumes_call = next(c for c in cinder.calls if c[0] == "volumes")
    assert volumes_call[2]["all_projects"] is True
    missing = run(volume.VolumeModule, {"name": "logs", "project": "other", "size": 1}, check=True)
    assert (
        missing["failed"] is True and "cinder creates volumes in the token's project only" in missing["msg"]
    )
    gone = run(volume.VolumeModule, {"name": "logs", "project": "other", "state": "absent"})
    assert gone["changed"] is False
    nowhere = run(volume.VolumeModule, {"name": "logs", "project": "nowhere", "state": "absent"})
    assert nowhere["changed"] is False
    mine = run(volume.VolumeModule, {"name": "data", "project": "demo"})
    assert mine["volume"]["size"] == 3


# --- volume_attachment ----------------------------------------------------------------------------
@pytest.fixture
def db(cinder, nova):
    return {
        "server": nova.add("server", name="db1"),
        "other": nova.add("server", name="db2"),
        "volume": cinder.volume(name="data", size=10),
    }


def test_attached_waited_for_in_use_then_unchanged(run, cinder, nova, db):
    args = {"server": "db1", "volume": "data", "device": "/dev/vdc"}
    check = run(volume_attachment.VolumeAttachmentModule, args, check=True)
    assert check["changed"] is True and nova.mutations() == []
    assert check["attachment"] == {
        "id": None,
        "server_id": db["server"].id,
        "volume_id": db["volume"].id,
        "device": "/dev/vdc",
    }
    out = run(volume_attachment.VolumeAttachmentModule, args)
    assert out["changed"] is True
    _, call_args, kwargs = next(c for c in nova.calls if c[0] == "create_volume_attachment")
    assert (
        call_args[0].id == db["server"].id
        and call_args[1].id == db["volume"].id
        and kwargs == {"device": "/dev/vdc"}
    )
    assert cinder.store["volume"][db["volume"].id].status == "in-use"
    assert out["attachment"]["device"] == "/dev/vdc" and out["attachment"]["attachment_id"]
    assert out["diff"] == {
        "before": {},
        "after": {"server_id": db["server"].id, "volume_id": db["volume"].id, "device": "/dev/vdc"},
    }
    nova.calls.clear()
    again = run(volume_attachment.VolumeAttachmentModule, {**args, "device": "/dev/vdz"})  # a hint only
    assert again["changed"] is False and nova.mutations() == []


def test_a_volume_attached_elsewhere_fails_unless_multiattach(run, cinder, nova, db):
    nova.attach(db["other"], db["volume"])
    out = run(volume_attachment.VolumeAttachmentModule, {"server": "db1", "volume": "data"})
    assert out["failed"] is True
    assert f"is attached to server {db['other'].id}, not to 'db1': detach it there first" in out["msg"]
    assert nova.mutations() == []
    absent = run(
        volume_attachment.VolumeAttachmentModule, {"server": "db1", "volume": "data", "state": "absent"}
    )
    assert absent["changed"] is False and nova.mutations() == []
    cinder._set(db["volume"].id, is_multiattach=True)
    shared = run(volume_attachment.VolumeAttachmentModule, {"server": "db1", "volume": "data"})
    assert shared["changed"] is True
    assert {a["server_id"] for a in cinder.store["volume"][db["volume"].id].attachments} == {
        db["server"].id,
        db["other"].id,
    }


def test_an_attachment_nova_gives_up_fails_clearly(run, nova, db):
    nova.attach_fails = True
    out = run(volume_attachment.VolumeAttachmentModule, {"server": "db1", "volume": "data"})
    assert out["failed"] is True and "nova could not attach it (the volume is available again)" in out["msg"]


def test_detached_and_waited_for_available(run, cinder, nova, db):
    nova.attach(db["server"], db["volume"], "/dev/vdb")
    check = run(
        volume_attachment.VolumeAttachmentModule,
        {"server": "db1", "volume": "data", "state": "absent"},
        check=True,
    )
    assert check["changed"] is True and nova.mutations() == []
    out = run(
        volume_attachment.VolumeAttachmentModule, {"server": "db1", "volume": "data", "state": "absent"}
    )
    assert out["changed"] is True and out["attachment"] is None
    assert nova.mutations() == ["delete_volume_attachment"]
    assert (
        nova.calls[-1][1][0].id == db["server"].id
    )  # a Server: the SDK looks nothing up to order the arguments
    assert cinder.store["volume"][db["volume"].id].status == "available"
    assert out["diff"] == {
        "before": {"server_id": db["server"].id, "volume_id": db["volume"].id, "device": "/dev/vdb"},
        "after": {},
    }
    again = run(
        volume_attachment.VolumeAttachmentModule, {"server": "db1", "volume": "data", "state": "absent"}
    )
    assert again["changed"] is False
    missing = run(
        volume_attachment.VolumeAttachmentModule, {"server": "gone", "volume": "data", "state": "absent"}
    )
    assert missing["changed"] is False
    needed = run(volume_attachment.VolumeAttachmentModule, {"server": "gone", "volume": "data"})
    assert needed["failed"] is True and needed["msg"] == "server 'gone' not found"


def test_attaching_waits_for_a_volume_still_being_created(run, cinder, nova, db):
    fresh = cinder.volume(name="fresh", size=1, status="creating")
    cinder.later[fresh.id] = [{"status": "available"}]
    out = run(volume_attachment.VolumeAttachmentModule, {"server": "db1", "volume": "fresh"})
    assert out["changed"] is True and cinder.store["volume"][fresh.id].status == "in-use"


# --- stack: parameter comparison ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wanted", "shown", "same"),
    [
        (2, "2", True),
        (2, "3", False),
        (2.5, "2.5", True),
        ("2", "2", True),
        ("02", "2", True),
        (True, "True", True),
        (False, "True", False),
        ("yes", "True", True),
        ("off", "False", True),
        (["a", "b"], "a,b", True),
        (["a", "b"], "a,c", False),
        ({"k": [1, 2]}, '{"k": [1, 2]}', True),
        ([1, {"x": 2}], '[1, {"x": 2}]', True),
        ("secret", "******", True),  # hidden: cannot be read back
        ("m1.small", "m1.tiny", False),
        ("x", None, False),
    ],
)
def test_same_parameter(wanted, shown, same):
    assert stack.same_parameter(wanted, shown) is same


def test_outputs_and_sections_helpers():
    outputs = [
        {"output_key": "a", "output_value": 1, "description": "x"},
        {"output_key": "b", "output_value": None},
    ]
    assert stack.outputs_dict(outputs) == {"a": 1, "b": None}
    assert stack.hot_sections({"heat_template_version": "2021-04-16", "resources": {}, "outputs": None}) == {
        "heat_template_version": "2021-04-16",
        "resources": {},
    }
    assert stack.subset({"parameters": {"a": 1, "b": 2}, "event_sinks": []}, {"parameters": {"a": 0}}) == {
        "parameters": {"a": 1}
    }


# --- stack ----------------------------------------------------------------------------------------
TEMPLATE = {
    "heat_template_version": "2021-04-16",
    "description": "A token",
    "parameters": {
        "length": {"type": "number", "default": 16},
        "flavor": {"type": "string", "default": "m1.tiny"},
        "enabled": {"type": "boolean", "default": False},
        "names": {"type": "comma_delimited_list", "default": "a"},
        "seed": {"type": "string", "hidden": True, "default": "x"},
    },
    "resources": {
        "token": {"type": "OS::Heat::RandomString", "properties": {"length": {"get_param": "length"}}}
    },
    "outputs": {"length": {"value": {"get_param": "length"}}, "flavor": {"value": {"get_param": "flavor"}}},
}


def stack_args(**extra):
    return {"name": "token", "template": TEMPLATE, "parameters": {"length": 32, "enabled": True}, **extra}


def test_stack_created_waited_for_with_outputs(run, heat):
    out = run(stack.StackModule, stack_args(tags=["b", "a"], stack_timeout=30, rollback=True))
    assert out["changed"] is True
    _, _, body = next(c for c in heat.calls if c[0] == "create_stack")
    assert body["name"] == "token" and body["template"] == TEMPLATE
    assert body["parameters"] == {"length": 32, "enabled": True}
    assert body["tags"] == "b,a"  # heat reads one comma-separated string
    assert body["timeout_mins"] == 30 and body["is_rollback_disabled"] is False
    assert out["stack"]["status"] == "CREATE_COMPLETE" and out["stack"]["id"]
    assert out["outputs"] == {"length": "32", "flavor": "m1.tiny"} == out["stack"]["outputs"]
    assert "template" not in out["stack"]
    assert out["diff"]["before"] == {}
    assert out["diff"]["after"]["parameters"] == {"length": 32, "enabled": True}
    assert out["diff"]["after"]["template"] == TEMPLATE


def test_stack_create_in_check_mode_changes_nothing(run, heat):
    out = run(stack.StackModule, stack_args(tags=["a"]), check=True)
    assert out["changed"] is True and heat.mutations() == [] and heat.store["stack"] == {}
    assert out["stack"]["id"] is None and out["stack"]["parameters"] == {"length": 32, "enabled": True}
    assert "template" not in out["stack"] and out["outputs"] == {}
    assert out["diff"]["after"]["template"] == TEMPLATE and out["diff"]["after"]["tags"] == ["a"]


def test_stack_without_waiting_returns_at_once(run, heat):
    out = run(stack.StackModule, {**stack_args(), "wait": False})
    assert out["changed"] is True and out["stack"]["id"] and "get_stack" not in heat.names()


def test_stack_rerun_compares_only_the_parameters_given(run, heat):
    run(
        stack.StackModule,
        stack_args(parameters={"length": 32, "enabled": True, "names": ["a", "b"], "seed": "s"}),
    )
    shown = next(iter(heat.store["stack"].values())).parameters
    assert shown["OS::stack_name"] == "token" and shown["flavor"] == "m1.tiny" and shown["seed"] == "******"
    heat.calls.clear()
    again = run(
        stack.StackModule,
        stack_args(parameters={"length": "32", "enabled": "true", "names": ["a", "b"], "seed": "t"}),
    )
    assert again["changed"] is False and heat.mutations() == []
    assert again["changed_attributes"] == [] and again["diff"]["before"] == again["diff"]["after"]
    assert again["outputs"] == {"length": "32", "flavor": "m1.tiny"}


def test_stack_parameter_change_in_check_mode_then_for_real(run, heat):
    run(stack.StackModule, stack_args())
    heat.calls.clear()
    args = stack_args(parameters={"length": 64, "enabled": True})
    check = run(stack.StackModule, args, check=True)
    assert check["changed"] is True and heat.mutations() == []
    assert check["changed_attributes"] == ["parameters"]
    assert check["diff"]["before"]["parameters"] == {"length": "32", "enabled": "True"}
    assert check["diff"]["after"]["parameters"] == {"length": 64, "enabled": "True"}  # only length differs
    assert check["diff"]["before"]["template"] == check["diff"]["after"]["template"]  # template unchanged
    out = run(stack.StackModule, args)
    assert out["changed"] is True and heat.mutations() == ["update_stack"]
    _, _, body = next(c for c in heat.calls if c[0] == "update_stack")
    assert body["template"] == TEMPLATE and body["parameters"] == {"length": 64, "enabled": True}
    assert out["stack"]["status"] == "UPDATE_COMPLETE"  # waited past heat's not-yet-started poll
    assert out["outputs"]["length"] == "64"
    assert run(stack.StackModule, args)["changed"] is False


def test_stack_template_change_shows_in_the_diff(run, heat):
    run(stack.StackModule, stack_args())
    heat.calls.clear()
    changed = {**TEMPLATE, "resources": {**TEMPLATE["resources"], "extra": {"type": "OS::Heat::None"}}}
    check = run(stack.StackModule, stack_args(template=changed), check=True)
    assert check["changed"] is True and check["changed_attributes"] == ["template"] and heat.mutations() == []
    assert "extra" not in check["diff"]["before"]["template"]["resources"]
    assert "extra" in check["diff"]["after"]["template"]["resources"]
    assert check["diff"]["before"]["parameters"] == check["diff"]["after"]["parameters"]
    assert (check["diff"]["before"]["status"], check["diff"]["after"]["status"]) == (
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
    )
    out = run(stack.StackModule, stack_args(template=changed))
    assert out["changed"] is True and heat.templates[out["stack"]["id"]] == changed


def test_stack_update_keeps_tags_timeout_and_rollback_not_asked_for(run, heat):
    heat.stack(TEMPLATE, name="token", tags=["keep"], timeout_mins=45, is_rollback_disabled=False)
    out = run(stack.StackModule, stack_args())
    assert out["changed"] is True
    _, _, body = next(c for c in heat.calls if c[0] == "update_stack")
    assert body["tags"] == "keep" and body["timeout_mins"] == 45 and body["is_rollback_disabled"] is False
    tags = run(stack.StackModule, stack_args(tags=["keep", "new"]))
    assert tags["changed_attributes"] == ["tags"] and tags["stack"]["tags"] == ["keep", "new"]
    assert (
        run(stack.StackModule, stack_args(tags=["new", "keep"], stack_timeout=45, rollback=True))["changed"]
        is False
    )


def test_stack_template_from_a_file_with_its_included_files(run, heat, tmp_path):
    (tmp_path / "script.sh").write_text("echo one\n")
    template = tmp_path / "stack.yaml"
    template.write_text(
        "heat_template_version: 2021-04-16\n"
        "resources:\n"
        "  config:\n"
        "    type: OS::Heat::SoftwareConfig\n"
        "    properties:\n"
        "      config: {get_file: script.sh}\n"
    )
    out = run(stack.StackModule, {"name": "files", "template": str(template)})
    assert out["changed"] is True
    _, _, body = next(c for c in heat.calls if c[0] == "create_stack")
    url = f"file://{tmp_path}/script.sh"
    assert body["files"] == {url: "echo one\n"}
    assert body["template"]["heat_template_version"] == "2021-04-16"  # a string, as heat parses it
    assert body["template"]["resources"]["config"]["properties"]["config"] == {"get_file": url}
    assert run(stack.StackModule, {"name": "files", "template": str(template)})["changed"] is False
    (tmp_path / "script.sh").write_text("echo two\n")
    out = run(stack.StackModule, {"name": "files", "template": str(template)})
    assert out["changed"] is True and out["changed_attributes"] == ["files"]
    assert out["diff"]["after"]["files"] == {url: "echo two\n"}


def test_stack_template_as_text(run, heat):
    text = yaml.safe_dump(TEMPLATE)
    out = run(stack.StackModule, {"name": "text", "template": text})
    assert out["changed"] is True
    assert run(stack.StackModule, {"name": "text", "template": json.dumps(TEMPLATE)})["changed"] is False


def test_stack_environment_files_and_dict_compared_by_the_keys_given(run, heat, tmp_path):
    env = tmp_path / "env.yaml"
    env.write_text("parameter_defaults:\n  flavor: m1.small\n")
    args = stack_args(environment_files=[str(env)], environment={"parameters": {"length": 20}})
    out = run(stack.StackModule, args)
    assert out["changed"] is True
    _, _, body = next(c for c in heat.calls if c[0] == "create_stack")
    assert body["environment"] == {"parameter_defaults": {"flavor": "m1.small"}, "parameters": {"length": 20}}
    assert out["outputs"]["flavor"] == "m1.small"
    assert run(stack.StackModule, args)["changed"] is False
    env.write_text("parameter_defaults:\n  flavor: m1.large\n")
    out = run(stack.StackModule, args)
    assert out["changed"] is True and out["changed_attributes"] == ["environment"]
    assert out["diff"]["before"]["environment"]["parameter_defaults"] == {"flavor": "m1.small"}
    bad = run(stack.StackModule, stack_args(environment={"parametres": {}}))
    assert bad["failed"] is True and "unknown sections ['parametres']" in bad["msg"]


def test_stack_create_failure_names_heats_reason(run, heat):
    heat.outcome = "FAILED"
    out = run(stack.StackModule, stack_args())
    assert out["failed"] is True
    assert "create failed: CREATE_FAILED: Resource CREATE failed: quota exceeded" in out["msg"]


def test_a_failed_stack_is_updated_again_with_the_same_definition(run, heat):
    heat.stack(TEMPLATE, {"length": 32, "enabled": True}, name="token", status="CREATE_FAILED")
    check = run(stack.StackModule, stack_args(), check=True)
    assert check["changed"] is True and check["changed_attributes"] == ["status"] and heat.mutations() == []
    assert check["diff"]["before"]["status"] == "CREATE_FAILED"
    heat.outcome = "FAILED"
    out = run(stack.StackModule, stack_args())
    assert out["failed"] is True and "update failed: UPDATE_FAILED: Resource UPDATE failed" in out["msg"]
    heat.outcome = "COMPLETE"
    out = run(stack.StackModule, stack_args())
    assert out["changed"] is True and out["stack"]["status"] == "UPDATE_COMPLETE"


def test_a_stack_in_progress_is_waited_for_first(run, heat):
    found = heat.stack(TEMPLATE, {"length": 32, "enabled": True}, name="token", status="CREATE_IN_PROGRESS")
    heat.later[found.id] = [{"status": "CREATE_IN_PROGRESS"}, {"status": "CREATE_COMPLETE"}]
    out = run(stack.StackModule, stack_args())
    assert out["changed"] is False and out["stack"]["status"] == "CREATE_COMPLETE"


def test_stack_deleted_and_waited_for(run, heat):
    run(stack.StackModule, stack_args())
    check = run(stack.StackModule, {"name": "token", "state": "absent"}, check=True)
    assert check["changed"] is True and heat.mutations() == ["create_stack"]
    out = run(stack.StackModule, {"name": "token", "state": "absent"})
    assert out["changed"] is True and out["stack"] is None and out["outputs"] == {}
    assert out["diff"]["after"] == {} and out["diff"]["before"]["status"] == "CREATE_COMPLETE"
    assert run(stack.StackModule, {"name": "token", "state": "absent"})["changed"] is False


def test_stack_delete_failure_names_heats_reason(run, heat):
    heat.stack(TEMPLATE, name="token")
    heat.outcome = "FAILED"
    out = run(stack.StackModule, {"name": "token", "state": "absent"})
    assert out["failed"] is True and "DELETE_FAILED: Resource DELETE failed: volume in use" in out["msg"]


def test_stack_refuses_what_it_cannot_compare(run, tmp_path):
    missing = run(stack.StackModule, {"name": "x"})
    assert missing["failed"] is True and "template" in missing["msg"]
    cfn = run(stack.StackModule, {"name": "x", "template": {"AWSTemplateFormatVersion": "2010-09-09"}})
    assert cfn["failed"] is True and "only HOT templates" in cfn["msg"]
    nofile = run(stack.StackModule, {"name": "x", "template": str(tmp_path / "nope.yaml")})
    assert nofile["failed"] is True and "template: no file" in nofile["msg"]
    noenv = run(stack.StackModule, stack_args(environment_files=[str(tmp_path / "nope.yaml")]))
    assert noenv["failed"] is True and "environment_files: no file" in noenv["msg"]


# --- info modules ---------------------------------------------------------------------------------
def test_volume_info_lists_volumes_types_snapshots_and_attachments(run, cinder, nova):
    server = nova.add("server", name="db1")
    data = cinder.volume(name="data", size=10, status="available")
    cinder.volume(name="logs", size=1, status="error")
    cinder.volume(name="theirs", size=1, project_id="project-other")
    cinder.add("snapshot", name="nightly", volume_id=data.id, size=10)
    nova.attach(server, data, "/dev/vdb")
    names = lambda out: sorted(i["name"] for i in out["items"])  # noqa: E731
    assert names(run(volume_info.VolumeInfoModule, {})) == ["data", "logs"]
    assert names(run(volume_info.VolumeInfoModule, {"all_projects": True})) == ["data", "logs", "theirs"]
    assert names(run(volume_info.VolumeInfoModule, {"filters": {"status": "error"}})) == ["logs"]
    assert names(run(volume_info.VolumeInfoModule, {"name": data.id})) == ["data"]
    assert names(run(volume_info.VolumeInfoModule, {"resource": "volume_types"})) == ["fast", "rbd"]
    assert names(run(volume_info.VolumeInfoModule, {"resource": "snapshots"})) == ["nightly"]
    attachments = run(volume_info.VolumeInfoModule, {"resource": "attachments", "name": "data"})["items"]
    assert attachments == [
        {
            "server_id": server.id,
            "volume_id": data.id,
            "device": "/dev/vdb",
            "attachment_id": f"att-{server.id}",
            "volume_name": "data",
        }
    ]
    bad = run(volume_info.VolumeInfoModule, {"resource": "volume_types", "all_projects": True})
    assert bad["failed"] is True


def test_stack_info_lists_and_shows_outputs_and_resources(run, heat):
    run(stack.StackModule, stack_args())
    heat.stack(TEMPLATE, name="other", status="CREATE_FAILED")
    listed = run(stack_info.StackInfoModule, {})
    assert sorted(s["name"] for s in listed["stacks"]) == ["other", "token"] and listed["outputs"] == {}
    failed = run(stack_info.StackInfoModule, {"filters": {"status": "CREATE_FAILED"}})
    assert [s["name"] for s in failed["stacks"]] == ["other"]
    shown = run(stack_info.StackInfoModule, {"name": "token", "resources": True})
    assert shown["outputs"] == {"length": "32", "flavor": "m1.tiny"} == shown["stacks"][0]["outputs"]
    assert [(r["name"], r["resource_type"]) for r in shown["resources"]] == [
        ("token", "OS::Heat::RandomString")
    ]
    missing = run(stack_info.StackInfoModule, {"name": "nope", "resources": True})
    assert missing == {**missing, "changed": False, "stacks": [], "outputs": {}, "resources": []}
    needs_name = run(stack_info.StackInfoModule, {"resources": True})
    assert needs_name["failed"] is True and "name" in needs_name["msg"]
