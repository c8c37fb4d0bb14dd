"""The identity modules on fake proxies: argument handling, name resolution, update logic."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import requests
import yaml
from ansible_collections.stackwright.cloud.plugins.module_utils import identity as identity_classes
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import HIDDEN
from ansible_collections.stackwright.cloud.plugins.modules import (
    application_credential,
    catalog_service,
    endpoint,
    identity_domain,
    identity_info,
    project,
    quota,
    role,
    role_assignment,
    user,
)
from openstack.block_storage.v3._proxy import Proxy as BlockStorageAPI
from openstack.block_storage.v3.quota_set import QuotaSet as VolumeQuotaSet
from openstack.compute.v2._proxy import Proxy as ComputeAPI
from openstack.compute.v2.quota_set import QuotaSet as ComputeQuotaSet
from openstack.identity.v3._proxy import Proxy as IdentityAPI
from openstack.identity.v3.application_credential import ApplicationCredential
from openstack.identity.v3.domain import Domain
from openstack.identity.v3.endpoint import Endpoint
from openstack.identity.v3.group import Group
from openstack.identity.v3.project import Project
from openstack.identity.v3.role import Role
from openstack.identity.v3.service import Service
from openstack.identity.v3.user import User
from openstack.network.v2._proxy import Proxy as NetworkAPI
from openstack.network.v2.network import Network
from openstack.network.v2.quota import Quota as NetworkQuota

from tests.unit.openstack_fakes import FakeConnection, FakeProxy, check_signature, run_module

GENERATED = "generated-by-keystone"  # the secret the fake keystone makes up
REPO = Path(__file__).resolve().parents[2]


class IdentityProxy(FakeProxy):
    """Identity kinds, application credentials per user, and role grants on paths."""

    def __init__(self):
        super().__init__(
            {
                "domain": Domain,
                "project": Project,
                "user": User,
                "group": Group,
                "role": Role,
                "service": Service,
                "endpoint": Endpoint,
                "application_credential": ApplicationCredential,
            },
            real=IdentityAPI,
        )
        self.grants: set[str] = set()
        self.refuse: int | None = None

    # application credentials take the user first
    def find_application_credential(self, user, name_or_id, ignore_missing=True):
        check_signature(IdentityAPI, "find_application_credential", (user, name_or_id, ignore_missing), {})
        self.calls.append(("find_application_credential", (user, name_or_id), {}))
        return self._find("application_credential", name_or_id, ignore_missing, user_id=user)

    def create_application_credential(self, user, name, **attrs):
        check_signature(IdentityAPI, "create_application_credential", (user, name), attrs)
        self.calls.append(("create_application_credential", (user, name), attrs))
        attrs = {"secret": GENERATED, **attrs}
        return self.add("application_credential", user_id=user, name=name, **attrs)

    def delete_application_credential(self, user, credential, ignore_missing=True):
        check_signature(IdentityAPI, "delete_application_credential", (user, credential, ignore_missing), {})
        self.calls.append(("delete_application_credential", (user, credential), {}))
        self._delete("application_credential", credential, ignore_missing)

    # role grants: HEAD/PUT/DELETE on the identity API path
    def _response(self, method, path, status):
        response = requests.Response()
        response.status_code = self.refuse or status
        response.request = requests.Request(method.upper(), f"https://keystone.test/v3{path}").prepare()
        if self.refuse:
            response.headers["content-type"] = "application/json"
            response._content = json.dumps({"error": {"message": "You are not authorized"}}).encode()
        return response

    def head(self, path):
        check_signature(IdentityAPI, "head", (path,), {})
        self.calls.append(("head", (path,), {}))
        return self._response("head", path, 204 if path in self.grants else 404)

    def put(self, path):
        check_signature(IdentityAPI, "put", (path,), {})
        self.calls.append(("put", (path,), {}))
        response = self._response("put", path, 204)
        if response.status_code == 204:
            self.grants.add(path)
        return response

    def delete(self, path):
        check_signature(IdentityAPI, "delete", (path,), {})
        self.calls.append(("delete", (path,), {}))
        self.grants.discard(path)
        return self._response("delete", path, 204)


@pytest.fixture
def identity():
    proxy = IdentityProxy()
    proxy.add("domain", id="default", name="Default", is_enabled=True)
    return proxy


@pytest.fixture
def conn(identity):
    return FakeConnection(identity=identity, current_user_id="me")


@pytest.fixture
def run(capsys, conn):
    def _run(module, args, check=False, diff=True):
        return run_module(capsys, module, args, conn, check=check, diff=diff)

    return _run


# --- identity_domain ----------------------------------------------------------------------------
def test_domain_created_then_unchanged(run, identity):
    out = run(identity_domain.DomainModule, {"name": "customers", "description": "Customers"})
    assert out["changed"] is True and out["domain"]["name"] == "customers"
    again = run(identity_domain.DomainModule, {"name": "customers", "description": "Customers"})
    assert again["changed"] is False


def test_an_enabled_domain_is_disabled_before_deletion(run, identity):
    identity.add("domain", name="customers", is_enabled=True)
    out = run(identity_domain.DomainModule, {"name": "customers", "state": "absent"})
    assert out["changed"] is True
    assert identity.mutations() == ["update_domain", "delete_domain"]
    assert identity.calls[-2][2] == {"is_enabled": False}


# --- project ------------------------------------------------------------------------------------
def test_project_created_in_the_named_domain_with_parent_tags_and_properties(run, identity):
    parent = identity.add("project", name="org", domain_id="default")
    args = {
        "name": "demo",
        "domain": "Default",
        "parent": "org",
        "tags": ["b", "a"],
        "properties": {"cost_center": "42"},
    }
    out = run(project.ProjectModule, args)
    assert out["changed"] is True
    sent = identity.calls[-1][2]
    assert sent == {
        "name": "demo",
        "domain_id": "default",
        "parent_id": parent.id,
        "tags": ["b", "a"],
        "cost_center": "42",
    }
    assert out["project"]["cost_center"] == "42"
    assert out["diff"]["after"]["properties"] == {"cost_center": "42"}
    again = run(project.ProjectModule, {**args, "tags": ["a", "b"]})
    assert again["changed"] is False


def test_project_updates_only_what_differs(run, identity):
    identity.add("project", name="demo", domain_id="default", description="old", tags=["a"], cost_center="1")
    out = run(
        project.ProjectModule,
        {"name": "demo", "domain": "default", "description": "new", "properties": {"cost_center": "2"}},
    )
    assert out["changed"] is True
    assert identity.calls[-1][0] == "update_project"
    assert identity.calls[-1][2] == {"description": "new", "cost_center": "2"}
    assert out["diff"]["before"]["properties"] == {"cost_center": "1"}
    assert out["diff"]["after"]["properties"] == {"cost_center": "2"}


def test_project_domain_cannot_change(run, identity):
    other = identity.add("domain", name="other")
    p = identity.add("project", name="demo", domain_id=other.id)
    out = run(project.ProjectModule, {"name": p.id, "domain": "Default"})
    assert out["failed"] is True and "domain_id" in out["msg"] and "cannot be changed in place" in out["msg"]


def test_project_same_name_in_two_domains(run, identity):
    other = identity.add("domain", name="other")
    identity.add("project", name="demo", domain_id="default")
    identity.add("project", name="demo", domain_id=other.id, description="theirs")
    out = run(project.ProjectModule, {"name": "demo", "description": "x"})
    assert out["failed"] is True and "several projects match 'demo'" in out["msg"]
    scoped = run(project.ProjectModule, {"name": "demo", "domain": "other"}, check=True)
    assert scoped["changed"] is False and scoped["project"]["description"] == "theirs"


def test_project_refuses_properties_shadowing_attributes(run):
    out = run(project.ProjectModule, {"name": "demo", "properties": {"name": "x"}})
    assert out["failed"] is True and "properties may not set" in out["msg"]


def test_project_absent_with_missing_domain_or_parent(run, identity):
    identity.add("project", name="demo", domain_id="default")
    gone = run(project.ProjectModule, {"name": "demo", "domain": "nowhere", "state": "absent"})
    assert gone["changed"] is False
    out = run(project.ProjectModule, {"name": "demo", "domain": "Default", "parent": "x", "state": "absent"})
    assert out["changed"] is True and identity.mutations() == ["delete_project"]


# --- user ---------------------------------------------------------------------------------------
def test_user_password_is_set_on_create_only_by_default(run, identity):
    service = identity.add("project", name="service", domain_id="default")
    args = {"name": "nova", "domain": "Default", "password": "pw-1234567", "default_project": "service"}
    out = run(user.UserModule, args)
    assert out["changed"] is True
    assert identity.calls[-1][2]["password"] == args["password"]
    assert identity.calls[-1][2]["default_project_id"] == service.id
    assert "password" not in out["user"]
    assert out["diff"]["after"]["password"] == HIDDEN
    again = run(user.UserModule, {**args, "password": "another-one"})
    assert again["changed"] is False and identity.mutations() == ["create_user"]


def test_user_password_always_is_sent_and_reported(run, identity):
    identity.add("user", name="nova", domain_id="default", email="a@b")
    args = {"name": "nova", "domain": "Default", "password": "pw-1234567", "update_password": "always"}
    check = run(user.UserModule, args, check=True)
    assert check["changed"] is True and identity.mutations() == []
    out = run(user.UserModule, args)
    assert out["changed"] is True
    assert identity.calls[-1][0] == "update_user" and identity.calls[-1][2] == {"password": "pw-1234567"}
    assert out["diff"]["before"] == {"name": "nova", "domain_id": "default", "email": "a@b"}
    assert out["diff"]["after"]["password"] == HIDDEN
    assert "pw-1234567" not in json.dumps(out)


def test_user_updates_email_and_enabled(run, identity):
    identity.add("user", name="alice", domain_id="default", email="old@x", is_enabled=True)
    out = run(user.UserModule, {"name": "alice", "email": "new@x", "enabled": False})
    assert identity.calls[-1][2] == {"email": "new@x", "is_enabled": False}
    assert out["diff"]["after"]["enabled"] is False


def test_user_unknown_default_project_fails(run):
    out = run(user.UserModule, {"name": "alice", "domain": "Default", "default_project": "nope"})
    assert out["failed"] is True and out["msg"] == "project 'nope' not found (with domain_id=default)"


# --- role ---------------------------------------------------------------------------------------
def test_role_global_and_domain_specific_are_distinct(run, identity):
    identity.add("role", name="reader", description="global")
    out = run(role.RoleModule, {"name": "reader", "domain": "Default", "description": "local"})
    assert out["changed"] is True and identity.calls[-1][0] == "create_role"
    assert identity.calls[-1][2] == {"name": "reader", "domain_id": "default", "description": "local"}
    again = run(role.RoleModule, {"name": "reader", "domain": "Default", "description": "local"})
    assert again["changed"] is False


# --- catalog_service and endpoint ---------------------------------------------------------------
def test_catalog_service_found_by_name_and_type(run, identity):
    identity.add("service", name="nova", type="compute", description="old")
    identity.add("service", name="nova", type="compute-legacy")
    out = run(catalog_service.CatalogServiceModule, {"name": "nova", "type": "compute", "description": "new"})
    assert out["changed"] is True and identity.calls[-1][2] == {"description": "new"}
    assert out["service"]["type"] == "compute"


def test_endpoint_created_updated_and_ambiguous(run, identity):
    nova = identity.add("service", name="nova", type="compute")
    args = {
        "service": "nova",
        "endpoint_interface": "public",
        "url": "https://c:8774/v2.1",
        "region": "RegionOne",
    }
    out = run(endpoint.EndpointModule, args)
    assert out["changed"] is True
    assert identity.calls[-1][2] == {
        "service_id": nova.id,
        "interface": "public",
        "region_id": "RegionOne",
        "url": "https://c:8774/v2.1",
    }
    assert run(endpoint.EndpointModule, args)["changed"] is False
    moved = run(endpoint.EndpointModule, {**args, "url": "https://d:8774/v2.1"})
    assert moved["changed"] is True and identity.calls[-1][2] == {"url": "https://d:8774/v2.1"}
    assert moved["diff"]["before"]["url"] == "https://c:8774/v2.1"
    identity.add("endpoint", service_id=nova.id, interface="public", region_id="RegionTwo", url="x")
    out = run(endpoint.EndpointModule, {**args, "region": None})
    assert out["failed"] is True and "several match (regions RegionOne, RegionTwo); set region" in out["msg"]


def test_endpoint_needs_a_url_unless_absent(run, identity):
    out = run(endpoint.EndpointModule, {"service": "nova", "endpoint_interface": "public"})
    assert out["failed"] is True and "url" in out["msg"]
    gone = run(
        endpoint.EndpointModule, {"service": "nova", "endpoint_interface": "public", "state": "absent"}
    )
    assert gone["changed"] is False


# --- application_credential ---------------------------------------------------------------------
def test_application_credential_secret_returned_once(run, identity):
    reader = identity.add("role", name="reader")
    args = {"name": "exporter", "roles": ["reader"], "expires_at": "2030-01-01T00:00:00Z"}
    out = run(application_credential.ApplicationCredentialModule, args)
    assert out["changed"] is True
    assert out["application_credential"]["secret"] == GENERATED
    name, (owner, cred_name), attrs = identity.calls[-1]
    assert (name, owner, cred_name) == ("create_application_credential", "me", "exporter")
    assert attrs == {"roles": [{"id": reader.id}], "expires_at": "2030-01-01T00:00:00"}
    stored = identity.store["application_credential"][out["application_credential"]["id"]]
    stored.secret = None  # keystone shows a secret only once
    stored.roles = [{"id": reader.id, "name": "reader", "domain_id": None}]
    stored.expires_at = "2030-01-01T00:00:00.000000"
    again = run(application_credential.ApplicationCredentialModule, args)
    assert again["changed"] is False and again["application_credential"]["secret"] is None


def test_application_credential_cannot_change_unless_recreated(run, identity):
    identity.add("role", name="reader")
    identity.add("role", name="member")
    run(application_credential.ApplicationCredentialModule, {"name": "x", "roles": ["reader"]})
    cred = next(iter(identity.store["application_credential"].values()))
    cred.roles = [{"id": r, "name": "?"} for r in (x["id"] for x in cred.roles)]
    refused = run(application_credential.ApplicationCredentialModule, {"name": "x", "roles": ["member"]})
    assert refused["failed"] is True and "roles" in refused["msg"]
    args = {"name": "x", "roles": ["member"], "recreate": True, "secret": "chosen-secret-1"}
    check = run(application_credential.ApplicationCredentialModule, args, check=True)
    assert check["changed"] is True and "chosen-secret-1" not in json.dumps(check)
    out = run(application_credential.ApplicationCredentialModule, args)
    assert out["changed"] is True
    assert [c[0] for c in identity.calls[-2:]] == [
        "delete_application_credential",
        "create_application_credential",
    ]
    assert identity.calls[-1][2]["secret"] == args["secret"]


def test_application_credential_of_a_named_user(run, identity):
    bob = identity.add("user", name="bob", domain_id="default")
    run(application_credential.ApplicationCredentialModule, {"name": "x", "user": "bob"})
    assert identity.calls[-1][1][0] == bob.id


def test_expiry_normalization():
    expiry = application_credential.expiry
    assert expiry("2030-01-01T00:00:00.000000") == expiry("2030-01-01T00:00:00Z") == "2030-01-01T00:00:00"
    assert expiry(None) is None


# --- role_assignment ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("assignment", "path"),
    [
        ({"role_id": "r", "user_id": "u", "project_id": "p"}, "/projects/p/users/u/roles/r"),
        ({"role_id": "r", "group_id": "g", "domain_id": "d"}, "/domains/d/groups/g/roles/r"),
        ({"role_id": "r", "user_id": "u", "system": "all"}, "/system/users/u/roles/r"),
        (
            {"role_id": "r", "user_id": "u", "project_id": "p", "inherited": True},
            "/OS-INHERIT/projects/p/users/u/roles/r/inherited_to_projects",
        ),
        (
            {"role_id": "r", "group_id": "g", "domain_id": "d", "inherited": True},
            "/OS-INHERIT/domains/d/groups/g/roles/r/inherited_to_projects",
        ),
    ],
)
def test_assignment_path(assignment, path):
    assert identity_classes.assignment_path(assignment) == path


@pytest.fixture
def people(identity):
    return {
        "admin": identity.add("role", name="admin"),
        "nova": identity.add("user", name="nova", domain_id="default"),
        "service": identity.add("project", name="service", domain_id="default"),
    }


def test_role_assignment_granted_once(run, identity, people):
    args = {"role": "admin", "user": "nova", "user_domain": "Default", "project": "service"}
    check = run(role_assignment.RoleAssignmentModule, args, check=True)
    assert check["changed"] is True and "put" not in [c[0] for c in identity.calls]
    out = run(role_assignment.RoleAssignmentModule, args)
    assert out["changed"] is True
    path = f"/projects/{people['service'].id}/users/{people['nova'].id}/roles/{people['admin'].id}"
    assert identity.grants == {path}
    assert out["assignment"] == {
        "role_id": people["admin"].id,
        "user_id": people["nova"].id,
        "project_id": people["service"].id,
        "inherited": False,
    }
    assert out["diff"] == {"before": {}, "after": out["assignment"]}
    again = run(role_assignment.RoleAssignmentModule, args)
    assert again["changed"] is False and again["diff"]["before"] == again["diff"]["after"]
    revoked = run(role_assignment.RoleAssignmentModule, {**args, "state": "absent"})
    assert revoked["changed"] is True and identity.grants == set()


def test_role_assignment_errors(run, identity, people):
    identity.refuse = 403
    out = run(role_assignment.RoleAssignmentModule, {"role": "admin", "user": "nova", "domain": "Default"})
    assert out["failed"] is True and out["status_code"] == 403
    assert "HTTP 403" in out["msg"] and "You are not authorized" in out["msg"]
    identity.refuse = None
    both = run(
        role_assignment.RoleAssignmentModule, {"role": "admin", "user": "nova", "group": "g", "system": "all"}
    )
    assert both["failed"] is True and "mutually exclusive" in both["msg"]
    neither = run(role_assignment.RoleAssignmentModule, {"role": "admin", "user": "nova"})
    assert neither["failed"] is True and "one of the following is required" in neither["msg"]
    inherited = run(
        role_assignment.RoleAssignmentModule,
        {"role": "admin", "user": "nova", "system": "all", "inherited": True},
    )
    assert inherited["failed"] is True and "not to the system scope" in inherited["msg"]
    missing = run(
        role_assignment.RoleAssignmentModule,
        {"role": "admin", "user": "ghost", "project": "service", "state": "absent"},
    )
    assert missing["changed"] is False and missing["assignment"] is None


# --- quota --------------------------------------------------------------------------------------
class QuotaProxy:
    """Quotas of one service, with defaults; records set/reset calls, checked against the real
    proxy's signatures."""

    def __init__(self, real, cls, current, defaults):
        self.real, self.cls, self.current, self.defaults, self.calls = (
            real,
            cls,
            dict(current),
            dict(defaults),
            [],
        )

    def _check(self, name, *args, **kwargs):
        check_signature(self.real, name, args, kwargs)

    def get_quota_set(self, project):
        self._check("get_quota_set", project)
        return self.cls.existing(**self.current)

    def get_quota(self, project):
        self._check("get_quota", project)
        return self.cls.existing(**self.current)

    def get_quota_set_defaults(self, project):
        self._check("get_quota_set_defaults", project)
        return self.cls.existing(**self.defaults)

    def get_quota_default(self, project):
        self._check("get_quota_default", project)
        return self.cls.existing(**self.defaults)

    def update_quota_set(self, project, **limits):
        self._check("update_quota_set", project, **limits)
        self.calls.append(("update", project, limits))
        self.current.update(limits)

    def update_quota(self, project, **limits):
        self._check("update_quota", project, **limits)
        self.calls.append(("update", project, limits))
        self.current.update(limits)

    def revert_quota_set(self, project):
        self._check("revert_quota_set", project)
        self.calls.append(("reset", project))
        self.current = dict(self.defaults)

    def delete_quota(self, project, ignore_missing=True):
        self._check("delete_quota", project, ignore_missing=ignore_missing)
        self.calls.append(("reset", project))
        self.current = dict(self.defaults)


@pytest.fixture
def quotas(identity):
    demo = identity.add("project", name="demo", domain_id="default")
    return {
        "project": demo,
        "compute": QuotaProxy(
            ComputeAPI, ComputeQuotaSet, {"instances": 10, "cores": 20}, {"instances": 10, "cores": 20}
        ),
        "network": QuotaProxy(
            NetworkAPI, NetworkQuota, {"floating_ips": 50, "routers": 10}, {"floating_ips": 50, "routers": 10}
        ),
        "block_storage": QuotaProxy(
            BlockStorageAPI, VolumeQuotaSet, {"gigabytes": 1000}, {"gigabytes": 1000}
        ),
    }


@pytest.fixture
def quota_conn(identity, quotas):
    return FakeConnection(
        identity=identity,
        compute=quotas["compute"],
        network=quotas["network"],
        block_storage=quotas["block_storage"],
    )


def test_quota_sets_only_differing_limits(capsys, quota_conn, quotas):
    args = {"project": "demo", "compute": {"instances": 20, "cores": 20}, "network": {"floating_ips": 50}}
    check = run_module(capsys, quota.QuotaModule, args, quota_conn, check=True, diff=True)
    assert check["changed"] is True and quotas["compute"].calls == []
    assert check["diff"] == {
        "before": {"compute": {"instances": 10}},
        "after": {"compute": {"instances": 20}},
    }
    assert check["quotas"] == {"compute": {"cores": 20, "instances": 20}, "network": {"floating_ips": 50}}
    out = run_module(capsys, quota.QuotaModule, args, quota_conn)
    assert out["changed"] is True
    assert quotas["compute"].calls == [("update", quotas["project"].id, {"instances": 20})]
    assert quotas["network"].calls == []
    again = run_module(capsys, quota.QuotaModule, args, quota_conn)
    assert again["changed"] is False


def test_quota_absent_resets_what_differs_from_defaults(capsys, quota_conn, quotas):
    quotas["network"].current["routers"] = 3
    out = run_module(capsys, quota.QuotaModule, {"project": "demo", "state": "absent"}, quota_conn, diff=True)
    assert out["changed"] is True
    assert quotas["network"].calls == [("reset", quotas["project"].id)]
    assert quotas["compute"].calls == [] and quotas["block_storage"].calls == []
    assert out["diff"] == {"before": {"network": {"routers": 3}}, "after": {"network": {"routers": 10}}}
    again = run_module(capsys, quota.QuotaModule, {"project": "demo", "state": "absent"}, quota_conn)
    assert again["changed"] is False


def test_quota_refuses_unknown_or_non_integer_limits(capsys, quota_conn):
    out = run_module(capsys, quota.QuotaModule, {"project": "demo", "compute": {"instance": 3}}, quota_conn)
    assert out["failed"] is True and "unknown limits ['instance']" in out["msg"]
    out = run_module(
        capsys, quota.QuotaModule, {"project": "demo", "volume": {"gigabytes": "lots"}}, quota_conn
    )
    assert out["failed"] is True and "must be integers" in out["msg"]
    out = run_module(capsys, quota.QuotaModule, {"project": "demo"}, quota_conn)
    assert out["failed"] is True and "name the limits" in out["msg"]


def test_quota_limit_names_come_from_the_sdk():
    assert {"instances", "cores", "ram"} <= quota.limit_names(ComputeQuotaSet)
    assert {"floating_ips", "routers", "ports"} <= quota.limit_names(NetworkQuota)
    assert "project_id" not in quota.limit_names(NetworkQuota)
    assert {"volumes", "gigabytes"} <= quota.limit_names(VolumeQuotaSet)


# --- identity_info ------------------------------------------------------------------------------
def test_identity_info_lists_with_filters(run, identity):
    identity.add("project", name="a", domain_id="default")
    identity.add("project", name="b", domain_id="elsewhere")
    out = run(identity_info.IdentityInfoModule, {"resource": "projects", "filters": {"domain_id": "default"}})
    assert out["changed"] is False and [p["name"] for p in out["items"]] == ["a"]
    bad = run(identity_info.IdentityInfoModule, {"resource": "flavors"})
    assert bad["failed"] is True and "value of resource must be one of" in bad["msg"]


# --- the module-writing guide -------------------------------------------------------------------
def test_the_guide_example_works(capsys, tmp_path, identity):
    source = (REPO / "docs" / "modules.md").read_text().split("```python\n", 1)[1].split("```", 1)[0]
    assert len(source.splitlines()) < 90
    (tmp_path / "guide_network.py").write_text(source)
    spec = importlib.util.spec_from_file_location("guide_network", tmp_path / "guide_network.py")
    guide = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guide)
    doc = yaml.safe_load(guide.DOCUMENTATION)
    assert set(doc["options"]) == set(guide.NetworkModule.argument_spec)
    yaml.safe_load(guide.EXAMPLES)
    yaml.safe_load(guide.RETURN)

    network = FakeProxy({"network": Network}, real=NetworkAPI)
    conn = FakeConnection(identity=identity, network=network)
    demo = identity.add("project", name="demo", domain_id="default")
    args = {"name": "public", "project": "demo", "external": True, "provider_network_type": "flat"}
    out = run_module(capsys, guide.NetworkModule, args, conn, diff=True)
    assert out["changed"] is True
    assert network.calls[-1][2] == {
        "name": "public",
        "project_id": demo.id,
        "is_router_external": True,
        "provider_network_type": "flat",
    }
    assert run_module(capsys, guide.NetworkModule, args, conn)["changed"] is False
    mtu = run_module(capsys, guide.NetworkModule, {**args, "mtu": 1400}, conn)
    assert mtu["changed"] is True and network.calls[-1][2] == {"mtu": 1400}
    vlan = run_module(capsys, guide.NetworkModule, {**args, "provider_network_type": "vlan"}, conn)
    assert vlan["failed"] is True and "provider_network_type ('flat' -> 'vlan')" in vlan["msg"]
