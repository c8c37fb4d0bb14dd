"""The identity modules against the AIO cloud's keystone.

The modules run as cloudmods.play runs them (in-process with Ansible's arguments, --diff; the
user's lifecycle, passwords included, through ansible-playbook): created in check mode
(nothing appears, checked with openstacksdk), created (the diff is right), re-run
(changed=false), updated in check mode (nothing changes) and for real, deleted in check mode
(still there), deleted, and deleted again (changed=false). Passwords and application credential
secrets are checked where they matter: never in a diff or a result (but a new credential's
secret, once), and working (keystone issues a token for them) until replaced.

The resources are named sw-it-<random>-...; the test catalog service has type
sw-test-<random> and endpoints on https://172.29.x.x:9999, never contacted. Whatever is left
of them is deleted at the end, after a failure too. Keystone is reached only at lab addresses.
"""

from __future__ import annotations

import json
import secrets
import uuid

import pytest
import yaml
from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3 as ksa_v3

from .cloudmods import (
    connect,
    created_then_idempotent,
    deleted,
    lab_url,
    mine,
    needs,
    new_prefix,
    play,
    updated,
)
from .conftest import AIO_CLOUDS

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def cloud(aio_cloud):
    """An admin connection to the AIO cloud (skipped, saying why, without one)."""
    return connect()


HIDDEN = "(write-only, not shown)"
MASKED = "********"  # what Ansible prints for a no_log value that leaks into a result
#: The endpoints of the test service: lab addresses nothing listens on.
ENDPOINT_URLS = {
    "public": "https://172.29.239.10:9999/v1",
    "internal": "https://172.29.236.10:9999/v1",
    "admin": "https://172.29.236.10:9999/v1",
}
#: quota option -> (catalog service type, a limit of it)
QUOTA_LIMITS = {
    "compute": ("compute", "instances"),
    "network": ("network", "networks"),
    "volume": ("block-storage", "volumes"),
}


@pytest.fixture(scope="module")
def prefix(cloud):
    """This module's name prefix (keystone must be in the catalog at a lab address); whatever
    is left named so is deleted at the end."""
    needs(cloud, "identity")
    name = new_prefix()
    yield name
    cleanup(cloud, name)


def cleanup(conn, prefix: str) -> None:
    """Delete every identity resource named ``prefix``-..., dependents first."""
    identity = conn.identity
    for credential in mine(identity.application_credentials(conn.current_user_id), prefix):
        identity.delete_application_credential(conn.current_user_id, credential, ignore_missing=True)
    for service in mine(identity.services(), prefix):
        for endpoint in identity.endpoints(service_id=service.id):
            identity.delete_endpoint(endpoint, ignore_missing=True)
        identity.delete_service(service, ignore_missing=True)
    for user in mine(identity.users(), prefix):
        identity.delete_user(user, ignore_missing=True)
    projects = {p.id: p for p in mine(identity.projects(), prefix)}

    def depth(project) -> int:
        return 1 + depth(projects[project.parent_id]) if project.parent_id in projects else 0

    for project in sorted(projects.values(), key=depth, reverse=True):
        identity.delete_project(project, ignore_missing=True)
    domains = mine(identity.domains(), prefix)
    roles = mine(identity.roles(), prefix)
    roles += [r for d in domains for r in mine(identity.roles(domain_id=d.id), prefix)]
    for role in roles:
        identity.delete_role(role, ignore_missing=True)
    for domain in domains:
        if domain.is_enabled:
            identity.update_domain(domain, is_enabled=False)
        identity.delete_domain(domain, ignore_missing=True)


def authenticates(**auth: str) -> bool:
    """Whether keystone gives a token for these credentials (a user's password, or an
    application credential's id and secret)."""
    config = yaml.safe_load(AIO_CLOUDS.read_text())["clouds"]["aio"]
    url = config["auth"]["auth_url"]
    assert lab_url(url), url
    kind = ksa_v3.ApplicationCredential if "application_credential_id" in auth else ksa_v3.Password
    try:
        ksa_session.Session(auth=kind(auth_url=url, **auth), verify=config.get("cacert", True)).get_token()
    except (ksa_exceptions.Unauthorized, ksa_exceptions.NotFound):  # a deleted credential: 404
        return False
    except ksa_exceptions.ClientException as exc:  # no traceback: its frames hold the secret
        raise AssertionError(f"keystone at {url}: {type(exc).__name__}: {exc}") from None
    return True


def no_secret(result: dict, *values: str) -> None:
    """The result (diff included) holds none of ``values``, not even masked by Ansible."""
    text = json.dumps(result)
    assert MASKED not in text, "a no_log value reached the result (Ansible masked it)"
    leaked = [n for n, value in enumerate(values) if value in text]
    assert not leaked, f"secret values #{leaked} are in the result"


@pytest.fixture(scope="module")
def tenancy(cloud, prefix, tmp_path_factory):
    """A domain holding a project and a user (with a password), and a global role, made by
    the modules, for the tests of what refers to them."""
    tmp = tmp_path_factory.mktemp("tenancy")
    domain = play(tmp, "identity_domain", {"name": f"{prefix}-dom"})["domain"]
    project = play(tmp, "project", {"name": f"{prefix}-proj", "domain": domain["name"]})["project"]
    password = secrets.token_urlsafe(24)
    user = play(tmp, "user", {"name": f"{prefix}-user", "domain": domain["name"], "password": password})
    role = play(tmp, "role", {"name": f"{prefix}-role"})["role"]
    return {"domain": domain, "project": project, "user": user["user"], "role": role, "password": password}


# --- domain, project, user, role ------------------------------------------------------------------
def test_identity_domain(cloud, prefix, tmp_path):
    name = f"{prefix}-domain"
    args = {"name": name, "description": "first"}

    def find():
        return cloud.identity.find_domain(name, ignore_missing=True)

    created = created_then_idempotent(tmp_path, "identity_domain", args, find, key="domain")
    assert created["diff"]["after"] == args
    assert created["domain"]["name"] == name and created["domain"]["is_enabled"] is True
    done = updated(tmp_path, "identity_domain", {**args, "description": "second", "enabled": False}, find)
    assert done["diff"] == {
        "before": {"name": name, "description": "first", "enabled": True},
        "after": {"name": name, "description": "second", "enabled": False},
    }
    assert find().description == "second" and find().is_enabled is False
    # an enabled domain is disabled, then deleted; in check mode, neither
    play(tmp_path, "identity_domain", {"name": name, "enabled": True})
    play(tmp_path, "identity_domain", {"name": name, "state": "absent"}, check=True)
    assert find().is_enabled is True, "check mode disabled the domain"
    deleted(tmp_path, "identity_domain", {"name": name}, find)


def test_project(cloud, prefix, tenancy, tmp_path):
    domain = tenancy["domain"]
    name = f"{prefix}-project"
    args = {
        "name": name,
        "domain": domain["name"],
        "description": "first",
        "tags": ["b", "a"],
        "properties": {"sw_tier": "gold"},
    }

    def find(project=name):
        return cloud.identity.find_project(project, domain_id=domain["id"], ignore_missing=True)

    created = created_then_idempotent(tmp_path, "project", args, find)
    project = created["project"]
    assert created["diff"]["after"] == {
        "name": name,
        "domain_id": domain["id"],
        "description": "first",
        "tags": ["b", "a"],
        "properties": {"sw_tier": "gold"},
    }
    assert project["domain_id"] == domain["id"] and sorted(project["tags"]) == ["a", "b"]
    assert getattr(find(), "sw_tier", None) == "gold"  # an extra attribute of the project
    assert play(tmp_path, "project", {**args, "tags": ["a", "b"]})["changed"] is False

    change = {**args, "description": "second", "tags": ["c"], "properties": {"sw_tier": "silver"}}
    done = updated(tmp_path, "project", {**change, "enabled": False}, find)
    common = {"name": name, "domain_id": domain["id"], "parent_id": domain["id"]}
    assert done["diff"] == {
        "before": {
            **common,
            "description": "first",
            "enabled": True,
            "tags": ["a", "b"],
            "properties": {"sw_tier": "gold"},
        },
        "after": {
            **common,
            "description": "second",
            "enabled": False,
            "tags": ["c"],
            "properties": {"sw_tier": "silver"},
        },
    }
    now = find()
    assert now.description == "second" and now.tags == ["c"] and now.is_enabled is False
    assert getattr(now, "sw_tier", None) == "silver"

    # a project below it (keystone wants the branch enabled); its parent is fixed
    assert play(tmp_path, "project", {**change, "enabled": True})["changed"] is True
    child = {"name": f"{prefix}-child", "domain": domain["name"], "parent": name}
    below = created_then_idempotent(tmp_path, "project", child, lambda: find(child["name"]))
    assert below["project"]["parent_id"] == project["id"]
    refused = play(tmp_path, "project", {**child, "parent": tenancy["project"]["name"]}, fails=True)
    assert "cannot be changed in place" in refused["msg"] and "parent_id" in refused["msg"]
    deleted(tmp_path, "project", child, lambda: find(child["name"]))
    deleted(tmp_path, "project", args, find)


def test_user(cloud, prefix, tenancy, tmp_path):
    domain = tenancy["domain"]
    name = f"{prefix}-person"
    password = secrets.token_urlsafe(24)
    args = {
        "name": name,
        "domain": domain["name"],
        "password": password,
        "email": "first@example.org",
        "description": "first",
        "default_project": tenancy["project"]["name"],
    }

    def find():
        return cloud.identity.find_user(name, domain_id=domain["id"], ignore_missing=True)

    def logs_in(secret: str) -> bool:
        return authenticates(username=name, password=secret, user_domain_id=domain["id"])

    created = created_then_idempotent(tmp_path, "user", args, find, via="playbook")
    assert created["diff"]["after"] == {
        "name": name,
        "domain_id": domain["id"],
        "password": HIDDEN,
        "email": "first@example.org",
        "default_project_id": tenancy["project"]["id"],
        "description": "first",
    }
    assert "password" not in created["user"] and created["user"]["domain_id"] == domain["id"]
    no_secret(created, password)
    assert logs_in(password)

    # update_password: on_create, the default: another password changes nothing
    other = secrets.token_urlsafe(24)
    kept = play(tmp_path, "user", {**args, "password": other}, via="playbook")
    assert kept["changed"] is False and logs_in(password) and not logs_in(other)
    no_secret(kept, password, other)

    done = updated(
        tmp_path,
        "user",
        {**args, "email": "second@example.org", "description": "second"},
        find,
        via="playbook",
    )
    common = {"name": name, "domain_id": domain["id"], "default_project_id": tenancy["project"]["id"]}
    assert done["diff"] == {
        "before": {**common, "email": "first@example.org", "description": "first", "enabled": True},
        "after": {**common, "email": "second@example.org", "description": "second", "enabled": True},
    }
    no_secret(done, password)

    # update_password: always sends it (a change every time); check mode does not
    rotate = {**args, "password": other, "update_password": "always"}
    check = play(tmp_path, "user", rotate, check=True, via="playbook")
    assert check["changed"] is True and logs_in(password) and not logs_in(other)
    assert "password" not in check["diff"]["before"] and check["diff"]["after"]["password"] == HIDDEN
    rotated = play(tmp_path, "user", rotate, via="playbook")
    assert rotated["changed"] is True and rotated["diff"] == check["diff"]
    assert logs_in(other) and not logs_in(password)
    no_secret(check, password, other)
    no_secret(rotated, password, other)
    assert play(tmp_path, "user", rotate, via="playbook")["changed"] is True

    deleted(tmp_path, "user", {"name": name, "domain": domain["name"]}, find, via="playbook")


def test_role(cloud, prefix, tenancy, tmp_path):
    name = f"{prefix}-viewer"
    args = {"name": name, "description": "first"}

    def find():
        return cloud.identity.find_role(name, ignore_missing=True)

    created = created_then_idempotent(tmp_path, "role", args, find)
    assert created["diff"]["after"] == args and created["role"]["domain_id"] is None
    done = updated(tmp_path, "role", {**args, "description": "second"}, find)
    assert done["diff"] == {
        "before": {"name": name, "description": "first"},
        "after": {"name": name, "description": "second"},
    }
    deleted(tmp_path, "role", args, find)

    # a domain-specific role of the same name
    domain = tenancy["domain"]
    scoped = {"name": name, "domain": domain["name"]}

    def find_scoped():
        return cloud.identity.find_role(name, domain_id=domain["id"], ignore_missing=True)

    created = created_then_idempotent(tmp_path, "role", scoped, find_scoped)
    assert created["role"]["domain_id"] == domain["id"] and find() is None
    deleted(tmp_path, "role", scoped, find_scoped)


# --- role assignments -------------------------------------------------------------------------------
def granted(conn, role: str, user: str, *, project=None, domain=None, inherited=False) -> bool:
    """Whether ``user`` has ``role`` (ids) directly on the project or domain (id)."""
    scope = {"scope_project_id": project} if project else {"scope_domain_id": domain}
    return any(
        bool(a.scope.get("OS-INHERIT:inherited_to")) is inherited
        for a in conn.identity.role_assignments(user_id=user, role_id=role, **scope)
    )


def assignment_lifecycle(tmp_path, args: dict, expected: dict, is_granted) -> None:
    """Grant in check mode (nothing granted), for real, again (no change); revoke in check
    mode (still granted), for real, and again (no change)."""
    check = play(tmp_path, "role_assignment", args, check=True)
    assert check["changed"] is True and not is_granted(), "check mode granted the role"
    assert check["diff"] == {"before": {}, "after": expected} and check["assignment"] == expected
    done = play(tmp_path, "role_assignment", args)
    assert done["changed"] is True and is_granted() and done["diff"] == check["diff"]
    again = play(tmp_path, "role_assignment", args)
    assert again["changed"] is False and again["diff"] == {"before": expected, "after": expected}
    absent = {**args, "state": "absent"}
    check = play(tmp_path, "role_assignment", absent, check=True)
    assert check["changed"] is True and is_granted(), "check mode revoked the role"
    assert check["diff"] == {"before": expected, "after": {}}
    gone = play(tmp_path, "role_assignment", absent)
    assert gone["changed"] is True and not is_granted() and gone["diff"] == check["diff"]
    assert play(tmp_path, "role_assignment", absent)["changed"] is False


def test_role_assignment_on_project(cloud, tenancy, tmp_path):
    domain, user, role, project = (tenancy[k] for k in ("domain", "user", "role", "project"))
    args = {
        "role": role["name"],
        "user": user["name"],
        "user_domain": domain["name"],
        "project": project["name"],
        "project_domain": domain["name"],
    }
    expected = {"role_id": role["id"], "user_id": user["id"], "project_id": project["id"], "inherited": False}
    assignment_lifecycle(
        tmp_path, args, expected, lambda: granted(cloud, role["id"], user["id"], project=project["id"])
    )
    # the role, user or project being gone, there is nothing to revoke
    missing = {**args, "user": f"{user['name']}-missing", "state": "absent"}
    nothing = play(tmp_path, "role_assignment", missing)
    assert nothing["changed"] is False and nothing["assignment"] is None
    refused = play(tmp_path, "role_assignment", {**missing, "state": "present"}, fails=True)
    assert "not found" in refused["msg"]


def test_role_assignment_on_domain(cloud, tenancy, tmp_path):
    domain, user, role, project = (tenancy[k] for k in ("domain", "user", "role", "project"))
    args = {"role": role["id"], "user": user["id"], "domain": domain["name"]}
    expected = {"role_id": role["id"], "user_id": user["id"], "domain_id": domain["id"], "inherited": False}
    assignment_lifecycle(
        tmp_path, args, expected, lambda: granted(cloud, role["id"], user["id"], domain=domain["id"])
    )

    # inherited: on the domain's projects, not on the domain itself
    def inherited() -> bool:
        return granted(cloud, role["id"], user["id"], domain=domain["id"], inherited=True)

    inheriting = {**args, "inherited": True}
    assignment_lifecycle(tmp_path, inheriting, {**expected, "inherited": True}, inherited)
    play(tmp_path, "role_assignment", inheriting)
    effective = cloud.identity.role_assignments(user_id=user["id"], effective=True)
    assert {(a.role["id"], a.scope.get("project", {}).get("id")) for a in effective} >= {
        (role["id"], project["id"])
    }
    assert not granted(cloud, role["id"], user["id"], domain=domain["id"])
    play(tmp_path, "role_assignment", {**inheriting, "state": "absent"})


# --- application credential -------------------------------------------------------------------------
def test_application_credential(cloud, prefix, tmp_path):
    """The admin's own credential, on the admin's project (what the module's token is scoped to)."""
    name = f"{prefix}-appcred"
    args = {"name": name, "description": "first", "roles": ["reader"], "expires_at": "2031-01-01T00:00:00"}
    owner = cloud.current_user_id

    def find():
        return cloud.identity.find_application_credential(owner, name, ignore_missing=True)

    def works(credential: dict, secret: str) -> bool:
        return authenticates(application_credential_id=credential["id"], application_credential_secret=secret)

    created = created_then_idempotent(tmp_path, "application_credential", args, find)
    credential = created["application_credential"]
    secret = credential["secret"]
    assert secret and secret != MASKED and works(credential, secret)
    reader = cloud.identity.find_role("reader", ignore_missing=False)
    assert created["diff"]["after"] == {**args, "roles": [reader.id]}
    assert [r["id"] for r in credential["roles"]] == [reader.id]
    assert credential["project_id"] == cloud.current_project_id
    assert secret not in json.dumps(created["diff"])
    # never again
    again = play(tmp_path, "application_credential", {**args, "user": owner})
    assert again["changed"] is False and not again["application_credential"].get("secret")
    no_secret(again, secret)

    # it cannot change: refused, unless recreated (check mode first), with a new secret
    changed = {**args, "description": "second"}
    refused = play(tmp_path, "application_credential", changed, fails=True)
    assert "cannot be changed in place" in refused["msg"] and "description" in refused["msg"]
    assert find().id == credential["id"] and works(credential, secret)
    check = play(tmp_path, "application_credential", {**changed, "recreate": True}, check=True)
    assert check["changed"] is True and not check["application_credential"].get("secret")
    assert find().id == credential["id"] and works(credential, secret), "check mode recreated it"
    assert check["diff"]["before"]["description"] == "first"
    assert check["diff"]["after"]["description"] == "second"
    recreated = play(tmp_path, "application_credential", {**changed, "recreate": True})
    new = recreated["application_credential"]
    assert recreated["changed"] is True and recreated["diff"] == check["diff"]
    assert new["id"] != credential["id"] and find().id == new["id"] and new["secret"] not in (None, secret)
    assert works(new, new["secret"]) and not works(credential, secret)
    assert play(tmp_path, "application_credential", changed)["changed"] is False
    deleted(tmp_path, "application_credential", changed, find)
    assert not works(new, new["secret"])

    # a secret of one's own: it works; Ansible masks it in the result (it is a no_log option)
    chosen = secrets.token_urlsafe(24)
    mine_ = play(tmp_path, "application_credential", {"name": f"{name}-2", "secret": chosen})
    assert mine_["changed"] is True and works(mine_["application_credential"], chosen)
    assert chosen not in json.dumps(mine_)
    play(tmp_path, "application_credential", {"name": f"{name}-2", "state": "absent"})


# --- catalog ------------------------------------------------------------------------------------------
def endpoint_of(conn, service: str, interface: str):
    """The service's (id) endpoint on ``interface``, or None."""
    return next(iter(conn.identity.endpoints(service_id=service, interface=interface)), None)


def test_catalog_service_and_endpoints(cloud, prefix, tmp_path):
    name = f"{prefix}-svc"
    kind = f"sw-test-{uuid.uuid4().hex[:6]}"
    args = {"name": name, "type": kind, "description": "first"}

    def find():
        found = [s for s in cloud.identity.services(type=kind) if s.name == name]
        return found[0] if found else None

    created = created_then_idempotent(tmp_path, "catalog_service", args, find, key="service")
    service = created["service"]
    assert created["diff"]["after"] == args and service["type"] == kind
    done = updated(tmp_path, "catalog_service", {**args, "description": "second"}, find)
    assert done["diff"] == {
        "before": {"name": name, "type": kind, "description": "first", "enabled": True},
        "after": {"name": name, "type": kind, "description": "second", "enabled": True},
    }

    # one endpoint per interface; the public one is also changed (URL, disabled)
    for interface, url in ENDPOINT_URLS.items():
        assert lab_url(url)
        endpoint = {"service": name, "endpoint_interface": interface, "url": url, "region": "RegionOne"}

        def find_endpoint(interface=interface):
            return endpoint_of(cloud, service["id"], interface)

        made = created_then_idempotent(tmp_path, "endpoint", endpoint, find_endpoint)
        assert made["diff"]["after"] == {
            "service_id": service["id"],
            "interface": interface,
            "region_id": "RegionOne",
            "url": url,
        }
        assert made["endpoint"]["url"] == url and made["endpoint"]["service_id"] == service["id"]
    public = {"service": name, "endpoint_interface": "public", "region": "RegionOne"}
    moved = {**public, "url": "https://172.29.239.10:9998/v2", "enabled": False}
    done = updated(tmp_path, "endpoint", moved, lambda: endpoint_of(cloud, service["id"], "public"))
    unchanged = {"service_id": service["id"], "interface": "public", "region_id": "RegionOne"}
    assert done["diff"] == {
        "before": {**unchanged, "url": ENDPOINT_URLS["public"], "enabled": True},
        "after": {**unchanged, "url": moved["url"], "enabled": False},
    }
    now = endpoint_of(cloud, service["id"], "public")
    assert now.url == moved["url"] and now.is_enabled is False

    filters = {"service_id": service["id"]}
    listed = play(tmp_path, "identity_info", {"resource": "endpoints", "filters": filters})
    urls = {**ENDPOINT_URLS, "public": moved["url"]}
    assert {(e["interface"], e["url"]) for e in listed["items"]} == set(urls.items())
    for interface in ENDPOINT_URLS:
        gone = {"service": service["id"], "endpoint_interface": interface, "region": "RegionOne"}
        deleted(tmp_path, "endpoint", gone, lambda i=interface: endpoint_of(cloud, service["id"], i))
    deleted(tmp_path, "catalog_service", {"name": name, "type": kind}, find)


# --- quota ----------------------------------------------------------------------------------------------
def quota_limit(conn, option: str, project: str) -> int:
    """One limit of the project's quotas in nova, neutron or cinder (QUOTA_LIMITS)."""
    limit = QUOTA_LIMITS[option][1]
    if option == "network":
        return getattr(conn.network.get_quota(project), limit)
    proxy = conn.compute if option == "compute" else conn.block_storage
    return getattr(proxy.get_quota_set(project), limit)


def test_quota(cloud, tenancy, tmp_path):
    options = [o for o, (service, _) in QUOTA_LIMITS.items() if cloud.has_service(service)]
    if not options:
        pytest.skip(
            "the AIO cloud has none of the compute, network or block-storage services in its catalog "
            "(nova, neutron, cinder are not deployed yet): no quota to set"
        )
    project = tenancy["project"]
    target = {"project": project["name"], "project_domain": tenancy["domain"]["name"]}
    for option in options:
        needs(cloud, QUOTA_LIMITS[option][0])
        limit = QUOTA_LIMITS[option][1]
        start = quota_limit(cloud, option, project["id"])
        for value in (max(start, 0) + 3, max(start, 0) + 4):
            now = quota_limit(cloud, option, project["id"])
            args = {**target, option: {limit: value}}
            check = play(tmp_path, "quota", args, check=True)
            assert check["changed"] is True and quota_limit(cloud, option, project["id"]) == now
            assert check["diff"] == {"before": {option: {limit: now}}, "after": {option: {limit: value}}}
            done = play(tmp_path, "quota", args)
            assert done["changed"] is True and done["diff"] == check["diff"]
            assert quota_limit(cloud, option, project["id"]) == value == done["quotas"][option][limit]
            again = play(tmp_path, "quota", args)
            assert again["changed"] is False and again["diff"] == {"before": {}, "after": {}}
        reset = {**target, option: {}, "state": "absent"}
        check = play(tmp_path, "quota", reset, check=True)
        assert check["changed"] is True and check["diff"]["before"][option][limit] == value
        assert quota_limit(cloud, option, project["id"]) == value, "check mode reset the quotas"
        assert play(tmp_path, "quota", reset)["changed"] is True
        assert quota_limit(cloud, option, project["id"]) == check["diff"]["after"][option][limit]
        assert play(tmp_path, "quota", reset)["changed"] is False


# --- identity_info ----------------------------------------------------------------------------------
def test_identity_info(cloud, tenancy, tmp_path):
    domain, user, role, project = (tenancy[k] for k in ("domain", "user", "role", "project"))

    def items(resource: str, check: bool = False, **filters) -> list[dict]:
        out = play(tmp_path, "identity_info", {"resource": resource, "filters": filters}, check=check)
        assert out["changed"] is False
        return out["items"]

    assert [d["id"] for d in items("domains", name=domain["name"])] == [domain["id"]]
    assert [p["id"] for p in items("projects", domain_id=domain["id"])] == [project["id"]]
    users = items("users", check=True, domain_id=domain["id"], name=user["name"])
    assert [u["id"] for u in users] == [user["id"]] and not users[0].get("password")
    no_secret(users, tenancy["password"])
    assert [r["id"] for r in items("roles", name=role["name"])] == [role["id"]]
    keystone = items("services", type="identity")
    assert [s["name"] for s in keystone] == ["keystone"]
    endpoints = items("endpoints", service_id=keystone[0]["id"], interface="public")
    assert len(endpoints) == 1 and all(lab_url(e["url"]) for e in endpoints)
    assert "RegionOne" in [r["id"] for r in items("regions")]

    play(tmp_path, "role_assignment", {"role": role["id"], "user": user["id"], "project": project["id"]})
    assignments = items("role_assignments", user_id=user["id"], include_names=True)
    assert [(a["role"]["name"], a["scope"]["project"]["name"]) for a in assignments] == [
        (role["name"], project["name"])
    ]
    play(
        tmp_path,
        "role_assignment",
        {"role": role["id"], "user": user["id"], "project": project["id"], "state": "absent"},
    )
    assert items("role_assignments", user_id=user["id"]) == []


def test_identity_info_refuses_an_unknown_filter(cloud, tmp_path):
    bad = play(tmp_path, "identity_info", {"resource": "projects", "filters": {"domian_id": "x"}}, fails=True)
    assert "domian_id" in bad["msg"] and "domain_id" in bad["msg"]
