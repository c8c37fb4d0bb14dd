"""catalog_registration on the identity fakes: the user, role, catalog service and endpoint
modules run in one process (module_utils.resource.embed), with their results and diffs."""

from __future__ import annotations

import copy
import json

import pytest
from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    StackwrightModule,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    HIDDEN,
    PendingId,
    embed,
    resolve_id,
)
from ansible_collections.stackwright.cloud.plugins.modules import (
    catalog_registration,
    catalog_service,
    endpoint,
    role_assignment,
    user,
)

from tests.unit.openstack_fakes import FakeConnection, run_module
from tests.unit.test_module_docs import docs_of
from tests.unit.test_openstack_modules import IdentityProxy

MODULE = catalog_registration.CatalogRegistrationModule
URL = "https://172.29.239.10:9999"
PASSWORD = "pw-not-to-be-seen"  # noqa: S105 - a test value

ARGS = {
    "user": {"name": "glance", "password": PASSWORD, "default_project": "service"},
    "services": [{"name": "glance", "type": "image", "description": "Image service"}],
    "endpoints": [
        {"service": "glance", "interface": "public", "url": f"{URL}/public"},
        {"service": "glance", "interface": "internal", "url": f"{URL}/internal"},
        {"service": "glance", "interface": "admin", "url": f"{URL}/admin"},
    ],
    "region": "RegionOne",
}


@pytest.fixture
def identity():
    proxy = IdentityProxy()
    proxy.add("domain", id="default", name="Default", is_enabled=True)
    proxy.add("project", name="service", domain_id="default")
    proxy.add("role", name="admin")
    proxy.add("role", name="service")
    return proxy


@pytest.fixture
def conn(identity):
    return FakeConnection(identity=identity, current_user_id="me")


@pytest.fixture
def run(capsys, conn):
    def _run(args, check=False, diff=True, module=MODULE):
        return run_module(capsys, module, args, conn, check=check, diff=diff)

    return _run


def catalog(identity):
    """What the fake keystone holds, by name (ids made up differently on every run)."""
    names = {
        r.id: r.name for kind in ("user", "project", "role", "service") for r in identity.store[kind].values()
    }
    return {
        "users": sorted(
            (u.name, u.domain_id, names.get(u.default_project_id), u.password)
            for u in identity.store["user"].values()
        ),
        "services": sorted(
            (s.name, s.type, s.description, s.is_enabled) for s in identity.store["service"].values()
        ),
        "endpoints": sorted(
            (names[e.service_id], e.interface, e.region_id, e.url, e.is_enabled)
            for e in identity.store["endpoint"].values()
        ),
        "grants": sorted(
            tuple(names.get(piece, piece) for piece in path.split("/")) for path in identity.grants
        ),
    }


# --- documentation ------------------------------------------------------------------------------
def test_return_documents_each_kind_registered():
    # the options and examples: tests/unit/test_module_docs.py
    assert set(docs_of("catalog_registration")["RETURN"]) == {
        "user",
        "role_assignments",
        "services",
        "endpoints",
    }


def test_item_options_are_those_of_the_item_modules():
    assert set(catalog_registration.USER_OPTIONS) == set(user.UserModule.argument_spec)
    assert catalog_service.CatalogServiceModule.argument_spec == catalog_registration.SERVICE_OPTIONS
    ours = catalog_registration.ENDPOINT_OPTIONS
    theirs = endpoint.EndpointModule.argument_spec
    assert set(ours) - {"interface"} == set(theirs) - {"endpoint_interface"}
    assert ours["interface"] == theirs["endpoint_interface"]


# --- present ------------------------------------------------------------------------------------
def test_first_run_creates_everything_second_changes_nothing(run, identity):
    out = run(ARGS)
    assert out["changed"] is True, out
    assert [c for c in identity.mutations() if c != "put"] == [
        "create_user",
        *["create_service"],
        *["create_endpoint"] * 3,
    ]
    assert [c[0] for c in identity.calls].count("put") == 2
    held = catalog(identity)
    assert held["users"] == [("glance", "default", "service", PASSWORD)]
    assert held["services"] == [("glance", "image", "Image service", None)]
    assert held["endpoints"] == [
        ("glance", i, "RegionOne", f"{URL}/{i}", None) for i in ("admin", "internal", "public")
    ]
    assert held["grants"] == [
        ("", "projects", "service", "users", "glance", "roles", r) for r in ("admin", "service")
    ]
    # per-part results, each as the item's module returns it
    assert out["user"]["changed"] is True and out["user"]["user"]["name"] == "glance"
    assert "password" not in out["user"]["user"]
    assert [(r["role"], r["changed"]) for r in out["role_assignments"]] == [
        ("admin", True),
        ("service", True),
    ]
    assert [(s["name"], s["type"], s["changed"]) for s in out["services"]] == [("glance", "image", True)]
    assert [(e["interface"], e["region"], e["changed"]) for e in out["endpoints"]] == [
        ("public", "RegionOne", True),
        ("internal", "RegionOne", True),
        ("admin", "RegionOne", True),
    ]
    assert out["endpoints"][0]["endpoint"]["url"] == f"{URL}/public"
    # one diff, keyed by part
    assert out["diff"]["before"] == {
        "user": {},
        "role_assignments": {"admin": {}, "service": {}},
        "services": {"glance": {}},
        "endpoints": {f"glance {i} RegionOne": {} for i in ("public", "internal", "admin")},
    }
    after = out["diff"]["after"]
    assert after["user"]["password"] == HIDDEN and after["user"]["name"] == "glance"
    assert after["services"]["glance"] == {"name": "glance", "type": "image", "description": "Image service"}
    assert after["endpoints"]["glance admin RegionOne"]["url"] == f"{URL}/admin"
    assert PASSWORD not in json.dumps(out)

    before = len(identity.calls)
    again = run(ARGS)
    assert again["changed"] is False
    assert not [c for c in identity.calls[before:] if c[0].startswith(("create", "update", "delete", "put"))]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert all(
        not item["changed"] for part in ("role_assignments", "services", "endpoints") for item in again[part]
    )


def test_the_same_as_the_separate_modules(capsys, run, identity):
    """What the four modules of roles/openstack_service/tasks/catalog.yml do, item by item, on one
    fake keystone; this module on another: the same catalog, the same results."""
    out = run(ARGS)
    separate = IdentityProxy()
    for kind, attrs in (
        ("domain", {"id": "default", "name": "Default", "is_enabled": True}),
        ("project", {"name": "service", "domain_id": "default"}),
        ("role", {"name": "admin"}),
        ("role", {"name": "service"}),
    ):
        separate.add(kind, **attrs)
    conn = FakeConnection(identity=separate)
    u = ARGS["user"]
    results = {
        "user": run_module(
            capsys,
            user.UserModule,
            {"name": u["name"], "password": u["password"], "domain": "Default", "default_project": "service"},
            conn,
            diff=True,
        ),
        "roles": [
            run_module(
                capsys,
                role_assignment.RoleAssignmentModule,
                {"user": "glance", "role": role, "project": "service"},
                conn,
                diff=True,
            )
            for role in ("admin", "service")
        ],
        "services": [
            run_module(capsys, catalog_service.CatalogServiceModule, s, conn, diff=True)
            for s in ARGS["services"]
        ],
        "endpoints": [
            run_module(
                capsys,
                endpoint.EndpointModule,
                {
                    "service": e["service"],
                    "endpoint_interface": e["interface"],
                    "url": e["url"],
                    "region": "RegionOne",
                },
                conn,
                diff=True,
            )
            for e in ARGS["endpoints"]
        ],
    }
    assert catalog(separate) == catalog(identity)
    ids = {  # every id -> kind:name, the same in both keystones
        r.id: f"{kind}:{r.name}"
        for keystone in (identity, separate)
        for kind in ("user", "project", "role", "service")
        for r in keystone.store[kind].values()
    }

    def same(a, b):
        def norm(d):
            def hook(o):
                return {
                    k: "" if k == "id" else ids.get(v, v) if isinstance(v, str) else v for k, v in o.items()
                }

            return json.loads(json.dumps(d), object_hook=hook)

        assert norm(a) == norm(b)

    assert "warnings" not in out
    same(out["user"], {k: v for k, v in results["user"].items() if k in ("changed", "user")})
    same(out["diff"]["after"]["user"], results["user"]["diff"]["after"])
    for ours, theirs in zip(out["role_assignments"], results["roles"], strict=True):
        same(
            {k: ours[k] for k in ("changed", "assignment")}, {k: theirs[k] for k in ("changed", "assignment")}
        )
        same(out["diff"]["after"]["role_assignments"][ours["role"]], theirs["diff"]["after"])
    for ours, theirs in zip(out["services"], results["services"], strict=True):
        same({k: ours[k] for k in ("changed", "service")}, {k: theirs[k] for k in ("changed", "service")})
        same(out["diff"]["after"]["services"][ours["name"]], theirs["diff"]["after"])
    for ours, theirs in zip(out["endpoints"], results["endpoints"], strict=True):
        same({k: ours[k] for k in ("changed", "endpoint")}, {k: theirs[k] for k in ("changed", "endpoint")})
        key = f"glance {theirs['endpoint']['interface']} RegionOne"
        same(out["diff"]["after"]["endpoints"][key], theirs["diff"]["after"])


def test_a_changed_url_updates_only_that_endpoint(run, identity):
    run(ARGS)
    endpoints = [dict(e) for e in ARGS["endpoints"]]
    endpoints[1]["url"] = f"{URL}/moved"
    before = len(identity.calls)
    out = run({**ARGS, "endpoints": endpoints})
    assert out["changed"] is True
    mutations = [c for c in identity.calls[before:] if c[0].startswith(("create", "update", "delete", "put"))]
    assert len(mutations) == 1
    name, (resource,), attrs = mutations[0]
    assert name == "update_endpoint" and attrs == {"url": f"{URL}/moved"} and resource.interface == "internal"
    assert [e["changed"] for e in out["endpoints"]] == [False, True, False]
    assert out["user"]["changed"] is False and not out["services"][0]["changed"]
    key = "glance internal RegionOne"
    assert out["diff"]["before"]["endpoints"][key]["url"] == f"{URL}/internal"
    assert out["diff"]["after"]["endpoints"][key]["url"] == f"{URL}/moved"
    assert (
        out["diff"]["before"]["endpoints"]["glance public RegionOne"]
        == out["diff"]["after"]["endpoints"]["glance public RegionOne"]
    )


def test_updates_follow_the_item_modules(run, identity):
    run(ARGS)
    services = [{**ARGS["services"][0], "description": "Images", "enabled": False}]
    out = run({**ARGS, "services": services, "user": {**ARGS["user"], "update_password": "always"}})
    assert out["changed"] is True
    updates = [(c[0], c[2]) for c in identity.calls if c[0].startswith("update")]
    assert updates == [
        ("update_user", {"password": PASSWORD}),
        ("update_service", {"description": "Images", "is_enabled": False}),
    ]
    assert out["diff"]["after"]["user"]["password"] == HIDDEN


# --- check mode ---------------------------------------------------------------------------------
def test_check_mode_on_a_fresh_cloud_changes_nothing_and_reports_everything(run, identity):
    out = run(ARGS, check=True)
    assert out["changed"] is True, out
    assert identity.mutations() == []
    assert catalog(identity)["services"] == [] and identity.grants == set()
    # what depends on a user or service that would be created would be created too
    pending_user = PendingId.of("user", "glance")
    assert [r["changed"] for r in out["role_assignments"]] == [True, True]
    assert {r["assignment"]["user_id"] for r in out["role_assignments"]} == {pending_user}
    assert [e["changed"] for e in out["endpoints"]] == [True, True, True]
    assert {e["endpoint"]["service_id"] for e in out["endpoints"]} == {PendingId.of("service", "glance")}
    assert out["endpoints"][0]["endpoint"]["id"] is None
    assert out["diff"]["after"]["endpoints"]["glance admin RegionOne"]["url"] == f"{URL}/admin"


def test_check_mode_on_a_converged_cloud(run, identity):
    run(ARGS)
    calls = len(identity.calls)
    assert run(ARGS, check=True)["changed"] is False
    endpoints = [{**e, "url": f"{URL}/other"} for e in ARGS["endpoints"]]
    out = run({**ARGS, "endpoints": endpoints}, check=True)
    assert out["changed"] is True and [e["changed"] for e in out["endpoints"]] == [True] * 3
    assert out["endpoints"][0]["endpoint"]["url"] == f"{URL}/other"
    assert not [c for c in identity.calls[calls:] if c[0].startswith(("create", "update", "delete", "put"))]
    absent = run({**ARGS, "state": "absent", "remove_user": True}, check=True)
    assert absent["changed"] is True
    assert not [c for c in identity.calls[calls:] if c[0].startswith(("create", "update", "delete", "put"))]
    assert catalog(identity)["endpoints"] and identity.grants


# --- absent -------------------------------------------------------------------------------------
def test_absent_removes_endpoints_and_services_and_leaves_the_user(run, identity):
    run(ARGS)
    calls = len(identity.calls)
    out = run({**ARGS, "state": "absent"})
    assert out["changed"] is True
    mutations = [
        c[0] for c in identity.calls[calls:] if c[0].startswith(("create", "update", "delete", "put"))
    ]
    assert mutations == ["delete_endpoint"] * 3 + ["delete_service"]
    held = catalog(identity)
    assert held["endpoints"] == [] and held["services"] == []
    assert held["users"] and len(held["grants"]) == 2
    assert out["user"] is None and out["role_assignments"] == []
    assert out["diff"]["after"] == {
        "services": {"glance": {}},
        "endpoints": {f"glance {i} RegionOne": {} for i in ("public", "internal", "admin")},
    }
    assert out["diff"]["before"]["services"]["glance"]["type"] == "image"
    assert run({**ARGS, "state": "absent"})["changed"] is False


def test_absent_with_remove_user(run, identity):
    run(ARGS)
    args = {**ARGS, "user": {"name": "glance"}, "state": "absent", "remove_user": True}
    args["endpoints"] = [{"service": "glance", "interface": i} for i in ("public", "internal", "admin")]
    out = run(args)
    assert out["changed"] is True and out["user"]["changed"] is True
    assert identity.grants == set() and catalog(identity)["users"] == []
    assert [r["changed"] for r in out["role_assignments"]] == [True, True]
    again = run(args)
    assert again["changed"] is False and again["user"]["user"] is None
    assert [r["assignment"] for r in again["role_assignments"]] == [None, None]


# --- errors and options -------------------------------------------------------------------------
def test_failures_name_the_item(run, identity):
    no_url = run({**ARGS, "endpoints": [{"service": "glance", "interface": "public"}]})
    assert no_url["failed"] is True
    assert "endpoint glance public RegionOne" in no_url["msg"] and "url" in no_url["msg"]
    ghost = run({"endpoints": [{"service": "ghost", "interface": "public", "url": URL}]})
    assert (
        ghost["failed"] is True
        and "endpoint ghost public any-region: service 'ghost' not found" in ghost["msg"]
    )
    twice = run({**ARGS, "services": ARGS["services"] * 2})
    assert twice["failed"] is True and "services: given more than once: glance" in twice["msg"]
    no_role = run({**ARGS, "roles": ["admin", "nope"]})
    assert no_role["failed"] is True and "role nope on service: role 'nope' not found" in no_role["msg"]
    calls = len(identity.calls)  # (the user and the service were created before no_url failed)
    no_project = run({**ARGS, "project": "nope"})
    assert no_project["failed"] is True and "user glance: project 'nope' not found" in no_project["msg"]
    no_domain = run({**ARGS, "user": {**ARGS["user"], "domain": "nowhere"}})
    assert no_domain["failed"] is True and "user glance: domain 'nowhere' not found" in no_domain["msg"]
    assert not [c for c in identity.calls[calls:] if c[0].startswith(("create", "update", "delete", "put"))]
    assert PASSWORD not in json.dumps([no_url, no_role, no_project])


def test_endpoint_regions_and_services_outside_the_list(run, identity):
    keystone = identity.add("service", name="keystone", type="identity")
    out = run(
        {
            "endpoints": [
                {"service": "keystone", "interface": "public", "url": URL},
                {"service": "keystone", "interface": "internal", "url": URL, "region": "RegionTwo"},
            ],
            "region": "RegionOne",
        }
    )
    assert out["changed"] is True and out["user"] is None and out["role_assignments"] == []
    assert [(e.service_id, e.region_id) for e in identity.store["endpoint"].values()] == [
        (keystone.id, "RegionOne"),
        (keystone.id, "RegionTwo"),
    ]
    assert "user" not in out["diff"]["before"] and "services" not in out["diff"]["before"]


def test_without_diff_there_is_none(run):
    out = run(ARGS, diff=False)
    assert out["changed"] is True and "diff" not in out
    assert all(
        "diff" not in item for part in ("role_assignments", "services", "endpoints") for item in out[part]
    )


# --- module_utils.resource.embed and PendingId ---------------------------------------------------
class _Outer(StackwrightModule):
    def run(self):
        return {}


class _Ansible:
    def __init__(self, check_mode=False, diff=False):
        self.params = {"wait": True, "timeout": 180, "interface": "public"}
        self.check_mode, self._diff, self.no_log_values, self.warnings = check_mode, diff, set(), []

    def warn(self, msg):
        self.warnings.append(msg)


def test_embed_validates_like_ansible_module_and_shares_the_connection(conn, identity):
    outer = _Outer(module=_Ansible(check_mode=True, diff=True), conn=conn)
    sub = embed(endpoint.EndpointModule, outer, {"service": "x", "endpoint_interface": "public", "url": "u"})
    assert sub.conn is conn and sub.check_mode is True and sub.diff is True
    assert sub.params["state"] == "present" and sub.params["region"] is None and sub.params["timeout"] == 180
    with pytest.raises(StackwrightError, match=r"EndpointModule: .*missing.*url"):
        embed(endpoint.EndpointModule, outer, {"service": "x", "endpoint_interface": "public"})
    with pytest.raises(StackwrightError, match="endpoint_interface must be one of"):
        embed(endpoint.EndpointModule, outer, {"service": "x", "endpoint_interface": "sideways", "url": "u"})
    with pytest.raises(StackwrightError, match="mutually exclusive"):
        embed(
            role_assignment.RoleAssignmentModule,
            outer,
            {"role": "r", "user": "u", "group": "g", "system": "all"},
        )
    secret = embed(user.UserModule, outer, {"name": "u", "password": "s3cret-value"})
    assert "s3cret-value" in outer.module.no_log_values
    secret.warn("careful")
    assert outer.module.warnings == ["careful"]
    with pytest.raises(StackwrightError, match="boom"):
        secret.fail_json("boom")


def test_pending_id_resolves_to_itself_and_survives_validation(conn, identity):
    pending = PendingId.of("service", "glance")
    assert pending == "(new service glance)" and copy.deepcopy(pending).__class__ is PendingId
    assert resolve_id(conn, "identity", "service", pending) is pending
    assert identity.calls == []
    outer = _Outer(module=_Ansible(check_mode=True), conn=conn)
    sub = embed(
        endpoint.EndpointModule, outer, {"service": pending, "endpoint_interface": "public", "url": "u"}
    )
    out = sub.run()
    assert out["changed"] is True and out["endpoint"]["service_id"] == pending and identity.mutations() == []
