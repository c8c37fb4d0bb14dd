"""The module base (module_utils/openstack.py) and the present/absent state machine
(module_utils/resource.py), on a made-up resource kept by a fake proxy."""

from __future__ import annotations

import json
from typing import ClassVar

import openstack
import pytest
import requests
from ansible_collections.stackwright.cloud.plugins.module_utils import openstack as base
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    HIDDEN,
    NotFoundError,
    ResourceModule,
    ResourceSpec,
    differences,
    find_one,
    match_one,
    normalize,
    plural,
    resolve_id,
)
from keystoneauth1 import exceptions as ksa
from openstack import exceptions
from openstack import resource as sdk_resource

from tests.unit.openstack_fakes import FakeConnection, FakeProxy, run_module


class Widget(sdk_resource.Resource):
    base_path = "/widgets"
    name = sdk_resource.Body("name")
    owner_id = sdk_resource.Body("owner_id")
    size = sdk_resource.Body("size", type=int)
    color = sdk_resource.Body("color")
    is_enabled = sdk_resource.Body("enabled", type=bool)
    tags = sdk_resource.Body("tags", type=list)
    secret = sdk_resource.Body("secret")


class Owner(sdk_resource.Resource):
    base_path = "/owners"
    name = sdk_resource.Body("name")


class WidgetModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        owner=dict(type="str"),
        size=dict(type="int"),
        color=dict(type="str"),
        enabled=dict(type="bool"),
        tags=dict(type="list", elements="str"),
        secret=dict(type="str", no_log=True),
    )
    spec = ResourceSpec(
        service="things",
        kind="widget",
        attributes={
            "name": "name",
            "owner_id": "owner_id",
            "size": "size",
            "color": "color",
            "enabled": "is_enabled",
            "tags": "tags",
            "secret": "secret",
        },
        updatable=("color", "enabled", "tags", "secret"),
        scope=("owner_id",),
        unordered=("tags",),
        write_only=("secret",),
    )

    def desired(self):
        p = self.params
        values = {k: p[k] for k in ("name", "size", "color", "enabled", "tags", "secret")}
        values["owner_id"] = resolve_id(self.conn, "things", "owner", p["owner"])
        return values


class RecreatedWidgetModule(WidgetModule):
    spec = ResourceSpec(**{**WidgetModule.spec.__dict__, "recreate": True})


@pytest.fixture
def things():
    return FakeProxy({"widget": Widget, "owner": Owner})


@pytest.fixture
def conn(things):
    return FakeConnection(things=things)


@pytest.fixture
def run(capsys, conn):
    def _run(args, check=False, diff=True, module=WidgetModule):
        return run_module(capsys, module, args, conn, check=check, diff=diff)

    return _run


# --- pure helpers -----------------------------------------------------------------------------
def test_normalize_and_differences():
    assert normalize("") is None
    assert normalize(["b", "a"], unordered=True) == ["a", "b"]
    assert normalize(("a", "b")) == ["a", "b"]
    current = {"a": 1, "b": "", "c": ["x", "y"], "d": "old"}
    desired = {"a": 1, "b": None, "c": ["y", "x"], "d": "new", "e": None}
    assert differences(current, desired, ["a", "b", "c", "d", "e"], unordered=("c",)) == {"d": "new"}
    assert differences(current, {"c": ["y", "x"]}, ["c"]) == {"c": ["y", "x"]}
    assert differences({"b": None}, {"b": ""}, ["b"]) == {}


def test_spec_refuses_undeclared_attributes():
    with pytest.raises(ValueError, match="colour"):
        ResourceSpec(service="s", kind="k", attributes={"name": "name"}, updatable=("colour",))
    assert WidgetModule.spec.create_only == ("name", "owner_id", "size")


# --- create -----------------------------------------------------------------------------------
def test_create_sends_requested_attributes_by_sdk_name(run, things):
    out = run({"name": "w", "size": 3, "color": "red", "enabled": True, "tags": ["b", "a"]})
    assert out["changed"] is True
    assert [c[0] for c in things.calls if c[0] != "find_widget"] == ["create_widget"]
    _, _, sent = things.calls[-1]
    assert sent == {"name": "w", "size": 3, "color": "red", "is_enabled": True, "tags": ["b", "a"]}
    assert out["widget"]["id"].startswith("widget-") and out["widget"]["is_enabled"] is True
    assert "location" not in out["widget"] and "links" not in out["widget"]
    assert out["diff"] == {
        "before": {},
        "after": {"name": "w", "size": 3, "color": "red", "enabled": True, "tags": ["b", "a"]},
    }


def test_create_in_check_mode_calls_nothing_that_changes(run, things):
    out = run({"name": "w", "size": 3, "color": "red"}, check=True)
    assert out["changed"] is True
    assert things.mutations() == [] and things.store["widget"] == {}
    assert out["widget"] == {"id": None, "name": "w", "size": 3, "color": "red"}
    real = run({"name": "w", "size": 3, "color": "red"})
    assert real["diff"] == out["diff"]


def test_second_run_changes_nothing(run, things):
    args = {"name": "w", "size": 3, "color": "red", "tags": ["b", "a"], "enabled": True}
    run(args)
    things.calls.clear()
    out = run({**args, "tags": ["a", "b"]})
    assert out["changed"] is False
    assert things.mutations() == []
    assert out["diff"]["before"] == out["diff"]["after"]


# --- update -----------------------------------------------------------------------------------
def test_update_sends_only_the_differing_updatable_attributes(run, things):
    w = things.add("widget", name="w", size=3, color="red", is_enabled=True, tags=["a"])
    out = run({"name": "w", "size": 3, "color": "blue", "enabled": True, "tags": ["a"]})
    assert out["changed"] is True
    assert things.mutations() == ["update_widget"]
    _, args, kwargs = things.calls[-1]
    assert args[0].id == w.id and kwargs == {"color": "blue"}
    assert out["widget"]["color"] == "blue"
    assert out["diff"]["before"]["color"] == "red" and out["diff"]["after"]["color"] == "blue"
    assert {k: v for k, v in out["diff"]["before"].items() if k != "color"} == {
        k: v for k, v in out["diff"]["after"].items() if k != "color"
    }


def test_unset_options_are_not_compared(run, things):
    things.add("widget", name="w", size=3, color="red", is_enabled=False)
    out = run({"name": "w"})
    assert out["changed"] is False and things.mutations() == []


def test_update_in_check_mode_reports_the_would_be_resource(run, things):
    things.add("widget", name="w", size=3, color="red")
    out = run({"name": "w", "color": "blue"}, check=True)
    assert out["changed"] is True and things.mutations() == []
    assert out["widget"]["color"] == "blue"
    assert out["diff"] == {
        "before": {"name": "w", "size": 3, "color": "red"},
        "after": {"name": "w", "size": 3, "color": "blue"},
    }


def test_a_create_only_difference_fails_naming_it(run, things):
    things.add("widget", name="w", size=3, color="red")
    out = run({"name": "w", "size": 4, "color": "blue"})
    assert out["failed"] is True
    assert "size (3 -> 4)" in out["msg"] and "color" not in out["msg"].split("Create-only")[0]
    assert "Create-only attributes of a widget: name, owner_id, size" in out["msg"]
    assert things.mutations() == []


def test_recreate_deletes_and_creates_instead(run, things):
    old = things.add("widget", name="w", size=3)
    check = run({"name": "w", "size": 4}, check=True, module=RecreatedWidgetModule)
    assert check["changed"] is True and things.mutations() == []
    out = run({"name": "w", "size": 4}, module=RecreatedWidgetModule)
    assert things.mutations() == ["delete_widget", "create_widget"]
    assert out["widget"]["size"] == 4 and out["widget"]["id"] != old.id
    assert out["diff"] == {"before": {"name": "w", "size": 3}, "after": {"name": "w", "size": 4}}


def test_found_by_id_the_name_is_not_compared(run, things):
    w = things.add("widget", name="w", size=3)
    out = run({"name": w.id, "size": 3})
    assert out["changed"] is False and out["widget"]["name"] == "w"


# --- write-only attributes --------------------------------------------------------------------
def test_write_only_attributes_are_sent_hidden_and_not_compared(run, things):
    args = {"name": "w", "secret": "s3cret-value"}
    out = run(args)
    assert things.calls[-1][2]["secret"] == args["secret"]
    assert "secret" not in out["widget"]
    assert out["diff"]["after"]["secret"] == HIDDEN
    assert "s3cret-value" not in json.dumps(out)
    again = run({"name": "w", "secret": "other-value"})
    assert again["changed"] is False


# --- absent -----------------------------------------------------------------------------------
def test_absent_deletes_and_reports_before(run, things):
    things.add("widget", name="w", size=3)
    check = run({"name": "w", "state": "absent"}, check=True)
    assert check["changed"] is True and things.mutations() == [] and things.store["widget"]
    out = run({"name": "w", "state": "absent"})
    assert out["changed"] is True and out["widget"] is None
    assert things.mutations() == ["delete_widget"] and things.store["widget"] == {}
    assert out["diff"] == {"before": {"name": "w", "size": 3}, "after": {}}
    again = run({"name": "w", "state": "absent"})
    assert again["changed"] is False and again["diff"] == {"before": {}, "after": {}}


def test_absent_with_a_missing_scope_is_nothing_to_delete(run, things):
    things.add("widget", name="w")
    out = run({"name": "w", "owner": "nobody", "state": "absent"})
    assert out["changed"] is False and things.store["widget"]
    failed = run({"name": "w", "owner": "nobody"})
    assert failed["failed"] is True and failed["msg"] == "owner 'nobody' not found"


def test_no_diff_without_diff_mode(run):
    out = run({"name": "w"}, diff=False)
    assert "diff" not in out


# --- finding ----------------------------------------------------------------------------------
def test_an_ambiguous_name_fails_clearly(run, things):
    a, b = things.add("owner", name="a"), things.add("owner", name="b")
    things.add("widget", name="w", owner_id=a.id)
    things.add("widget", name="w", owner_id=b.id)
    out = run({"name": "w", "color": "red"})
    assert out["failed"] is True
    assert out["msg"].startswith("several widgets match 'w'")
    assert things.mutations() == []
    scoped = run({"name": "w", "owner": "b", "color": "red"})
    assert scoped["changed"] is True
    assert things.store["widget"][scoped["widget"]["id"]].owner_id == b.id


def test_resolve_id_names_what_is_missing(conn, things):
    owner = things.add("owner", name="a")
    assert resolve_id(conn, "things", "owner", "a") == owner.id
    assert resolve_id(conn, "things", "owner", owner.id) == owner.id
    assert resolve_id(conn, "things", "owner", None) is None
    with pytest.raises(base.StackwrightError, match=r"owner 'zz' not found \(with name=x\)"):
        resolve_id(conn, "things", "owner", "zz", name="x")


# --- the base: errors, auth masking, connection -------------------------------------------------
def http_error(status, body, method="PATCH", url="https://cloud.test:5000/v3/widgets/1"):
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["content-type"] = "application/json"
    response.headers["x-openstack-request-id"] = "req-1234"
    response.request = requests.Request(method, url).prepare()
    try:
        exceptions.raise_from_response(response)
    except exceptions.HttpException as exc:
        return exc
    raise AssertionError("no error raised")


def test_sdk_errors_fail_with_status_request_id_and_server_message(run, things, monkeypatch):
    error = http_error(409, {"error": {"message": "Conflict occurred attempting to store widget"}})

    def refuse(**attrs):
        raise error

    monkeypatch.setattr(things, "create_widget", refuse, raising=False)
    out = run({"name": "w"})
    assert out["failed"] is True
    assert out["msg"] == (
        "PATCH https://cloud.test:5000/v3/widgets/1: HTTP 409 (request req-1234): "
        "Conflict occurred attempting to store widget"
    )
    assert out["status_code"] == 409 and out["request_id"] == "req-1234"


def test_describe_error_of_other_errors():
    msg, extra = base.describe_error(exceptions.ResourceTimeout("Timeout waiting for widget"))
    assert msg == "ResourceTimeout: Timeout waiting for widget" and extra == {}
    msg, extra = base.describe_error(ksa.Unauthorized(request_id="req-9"))
    assert msg.startswith("HTTP 401 (request req-9): ") and extra["status_code"] == 401


def test_auth_secrets_stay_masked_and_public_values_do_not(run):
    auth = {"auth_url": "https://cloud.test:5000/v3", "username": "admin", "password": "hunter2-pw"}
    out = run({"name": "admin", "color": "hunter2-pw", "tags": [auth["auth_url"]], "auth": auth})
    assert out["widget"]["name"] == "admin"
    assert out["widget"]["tags"] == ["https://cloud.test:5000/v3"]
    assert out["invocation"]["module_args"]["auth"]["username"] == "admin"
    assert out["widget"]["color"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "hunter2-pw" not in json.dumps(out)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cloud": "admin"}, {"cloud": "admin"}),
        ({"auth": {"auth_url": "u"}}, {"cloud": None, "load_yaml_config": False, "load_envvars": False}),
        ({"cloud": "admin", "auth": {"auth_url": "u"}}, {"cloud": "admin"}),
        ({}, {"cloud": None}),
        (
            {"ca_cert": "/ca.pem", "validate_certs": False},
            {"cloud": None, "cacert": "/ca.pem", "verify": False},
        ),
    ],
)
def test_connect_options(monkeypatch, params, expected):
    seen = {}
    monkeypatch.setattr(openstack, "connect", lambda **kw: seen.update(kw) or "conn")

    class FakeModule:
        pass

    module = FakeModule()
    module.params = {**{k: v.get("default") for k, v in base.OPENSTACK_ARGS.items()}, **params}
    assert base.StackwrightModule(module=module).connect() == "conn"
    assert seen.pop("app_name") == "stackwright" and seen.pop("interface") == "public"
    if "auth" in params:
        assert seen.pop("auth") == params["auth"]
    assert seen == expected


def test_min_sdk_version_is_checked(capsys, conn):
    class Future(WidgetModule):
        min_sdk_version = "99.0"

    out = run_module(capsys, Future, {"name": "w"}, conn)
    assert out["failed"] is True and "openstacksdk >= 99.0" in out["msg"]


def test_to_dict_strips_location_and_links():
    w = Widget.existing(id="1", name="w", links=[{"rel": "self"}])
    assert base.to_dict(w) == {k: v for k, v in w.to_dict(computed=False).items() if k != "location"}
    assert "location" not in base.to_dict(w)
    assert base.to_dict(None) is None
    assert base.to_dict([w])[0]["name"] == "w"
    assert base.to_dict({"a": 1, "links": []}) == {"a": 1}


def test_a_module_cannot_redefine_a_connection_option():
    class Clashing(WidgetModule):
        argument_spec: ClassVar[dict] = dict(interface=dict(type="str"))

    with pytest.raises(ValueError, match=r"\['interface'\] are connection options"):
        Clashing.full_argument_spec()


def test_find_one_lists_where_the_finder_takes_no_filters(things):
    class Strict:
        """A proxy whose find_widget, like the SDK's find_service, takes no query."""

        def find_widget(self, name_or_id, ignore_missing=True):
            raise AssertionError("not to be called with filters")

        def widgets(self, **query):
            return [w for w in things.store["widget"].values() if w.owner_id == query["owner_id"]]

    a = things.add("widget", name="w", owner_id="o1")
    things.add("widget", name="w", owner_id="o2")
    assert find_one(Strict(), "widget", "w", owner_id="o1") is a
    assert find_one(Strict(), "widget", a.id, owner_id="o1") is a
    assert find_one(Strict(), "widget", "x", owner_id="o1") is None
    with pytest.raises(exceptions.DuplicateResource):
        match_one(things.store["widget"].values(), "w", "widget")
    assert plural("policy") == "policies" and plural("security_group") == "security_groups"


def test_find_one_looks_an_id_up_without_the_filters(things):
    class Neutronish:
        """Like neutron behind openstacksdk: a lookup by id that carries filters finds nothing."""

        def find_widget(self, name_or_id, ignore_missing=True, **query):
            found = None if query else things.store["widget"].get(name_or_id)
            named = (w for w in things.store["widget"].values() if w.name == name_or_id)
            found = found or next(
                (w for w in named if all(getattr(w, k) == v for k, v in query.items())), None
            )
            if found is None and not ignore_missing:
                raise exceptions.NotFoundException(f"No widget found for {name_or_id}")
            return found

    a = things.add("widget", name="w", owner_id="o1")
    assert find_one(Neutronish(), "widget", a.id, owner_id="o1") is a
    # the filters still hold for an id, and a name found without them is not taken
    assert find_one(Neutronish(), "widget", a.id, owner_id="o2") is None
    assert find_one(Neutronish(), "widget", "w", owner_id="o2") is None
    with pytest.raises(NotFoundError, match="widget 'nope' not found"):
        find_one(Neutronish(), "widget", "nope", required=True, owner_id="o1")
