#!/usr/bin/python
"""Module: a service's registration in keystone (user, roles, catalog services, endpoints)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: catalog_registration
author: stackwright developers
short_description: A service's user, roles, catalog services and endpoints, in one task
description:
  - Converges in one module run, with one connection (one authentication), what registers an
    OpenStack service in keystone - its service user, the user's roles on the service project,
    its catalog services and their endpoints - instead of one task (one Python process and one
    authentication) per item.
  - Each item is handled by the module of its kind, run in this module's process, with the same
    lookups, updates, check mode and diff - M(stackwright.cloud.user),
    M(stackwright.cloud.role_assignment), M(stackwright.cloud.catalog_service),
    M(stackwright.cloud.endpoint) - in this order with I(state=present), in the reverse order with
    I(state=absent).
  - In check mode, the endpoints of a service (the roles of a user) that would be created are
    reported as would-be created too, rather than failing on a service (user) not found.
options:
  user:
    description:
      - The service user, as for M(stackwright.cloud.user). Unset, no user is managed and
        I(roles) is ignored.
    type: dict
    suboptions:
      name:
        description: Name (or id, to find an existing one) of the user.
        type: str
        required: true
      domain:
        description: Domain (name or id) owning the user; fixed at creation.
        type: str
        default: Default
      password:
        description: The user's password.
        type: str
      update_password:
        description:
          - C(on_create) sets I(password) only when the user is created.
          - C(always) also sets it on every run for an existing user (always a change).
        type: str
        choices: [always, on_create]
        default: on_create
      email:
        description: E-mail address.
        type: str
      default_project:
        description: Default project (name or id, looked up within I(domain)); unset, not managed.
        type: str
      description:
        description: Description.
        type: str
      enabled:
        description: Whether the user is enabled.
        type: bool
  project:
    description: The service project (name or id) on which the user gets I(roles).
    type: str
    default: service
  project_domain:
    description: Domain (name or id) to look I(project) up in; unset, the user's I(domain).
    type: str
  roles:
    description: Roles (names or ids) of the user on I(project).
    type: list
    elements: str
    default: [admin, service]
  services:
    description: Catalog services, as for M(stackwright.cloud.catalog_service); names must be unique.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name (or id, to find an existing one) of the service, such as C(nova).
        type: str
        required: true
      type:
        description: Service type, such as C(compute); part of what identifies the service.
        type: str
        required: true
      description:
        description: Description.
        type: str
      enabled:
        description: Whether the service is enabled.
        type: bool
  endpoints:
    description:
      - Endpoints, as for M(stackwright.cloud.endpoint); at most one per service, interface and
        region.
    type: list
    elements: dict
    default: []
    suboptions:
      service:
        description:
          - The service (name or id). A service of I(services) is the one this module found or
            created; any other is looked up by name (or id), as M(stackwright.cloud.endpoint) does.
        type: str
        required: true
      interface:
        description: Which interface of the service this endpoint is.
        type: str
        choices: [public, internal, admin]
        required: true
      url:
        description: The endpoint's URL; required with I(state=present).
        type: str
      region:
        description: Region id; unset, I(region).
        type: str
      enabled:
        description: Whether the endpoint is enabled.
        type: bool
  region:
    description:
      - Region id of the endpoints that do not set their own. Unset (and unset in the endpoint),
        the endpoint is looked up in every region and created without a region.
    type: str
  state:
    description:
      - C(present) creates what is missing and updates what differs (see each item's module).
      - C(absent) deletes the endpoints, then the services; the user and its roles stay, unless
        I(remove_user).
    type: str
    choices: [present, absent]
    default: present
  remove_user:
    description: With I(state=absent), also revoke I(roles) and delete the user.
    type: bool
    default: false
extends_documentation_fragment:
  - stackwright.cloud.openstack
attributes:
  check_mode:
    description: Reports what would change, item by item, calling nothing that changes anything.
    support: full
  diff_mode:
    description:
      - C(before) and C(after) keyed by part - C(user), C(role_assignments) (by role),
        C(services) (by name), C(endpoints) (by C(service interface region)) - each item as
        its own module shows it.
    support: full
notes:
  - For module_defaults, the module is in the action group C(stackwright.cloud.openstack)
    only when C(meta/runtime.yml) lists it there.
"""

EXAMPLES = r"""
- name: Register nova
  stackwright.cloud.catalog_registration:
    cloud: admin
    user:
      name: nova
      password: "{{ nova_keystone_password }}"
      default_project: service
    project: service
    roles: [admin, service]
    services:
      - {name: nova, type: compute, description: OpenStack Compute}
    endpoints:
      - {service: nova, interface: public, url: "https://cloud.example.com:8774/v2.1"}
      - {service: nova, interface: internal, url: "https://internal.example.com:8774/v2.1"}
      - {service: nova, interface: admin, url: "https://internal.example.com:8774/v2.1"}
    region: RegionOne
  no_log: true

- name: Unregister it, user included
  stackwright.cloud.catalog_registration:
    cloud: admin
    user: {name: nova}
    services: [{name: nova, type: compute}]
    endpoints:
      - {service: nova, interface: public}
      - {service: nova, interface: internal}
      - {service: nova, interface: admin}
    region: RegionOne
    state: absent
    remove_user: true
"""

RETURN = r"""
user:
  description:
    - The result of the user (C(changed), C(user) as M(stackwright.cloud.user) returns it);
      C(null) when I(user) is unset, or with I(state=absent) without I(remove_user).
  type: dict
  returned: always
  sample: {"changed": false, "user": {"id": "1b2c...", "name": "nova", "domain_id": "default"}}
role_assignments:
  description:
    - One result per role (C(role), C(changed), C(assignment) as
      M(stackwright.cloud.role_assignment)).
  type: list
  elements: dict
  returned: always
  sample: [{"role": "admin", "changed": false, "assignment": {"role_id": "47ab...", "user_id": "1b2c...",
            "project_id": "8a3c...", "inherited": false}}]
services:
  description:
    - One result per service (C(name), C(type), C(changed), C(service) as
      M(stackwright.cloud.catalog_service)).
  type: list
  elements: dict
  returned: always
  sample: [{"name": "nova", "type": "compute", "changed": true, "service": {"id": "5d4a...", "name": "nova"}}]
endpoints:
  description:
    - One result per endpoint (C(service), C(interface), C(region), C(changed), C(endpoint) as
      M(stackwright.cloud.endpoint)).
  type: list
  elements: dict
  returned: always
  sample: [{"service": "nova", "interface": "public", "region": "RegionOne", "changed": false,
            "endpoint": {"id": "c0ff...", "url": "https://cloud.example.com:8774/v2.1"}}]
"""

from typing import Any, ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.identity import (
    CatalogServiceModule,
    EndpointModule,
    RoleAssignmentModule,
    UserModule,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    StackwrightModule,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    PendingId,
    domain_id,
    embed,
    project_id,
)

#: The options of each item are those of the item's module (domain: Default for the user).
USER_OPTIONS = {
    **{k: dict(v) for k, v in UserModule.argument_spec.items()},
    "domain": {"type": "str", "default": "Default"},
}
SERVICE_OPTIONS = {k: dict(v) for k, v in CatalogServiceModule.argument_spec.items()}
ENDPOINT_OPTIONS = {
    "service": {"type": "str", "required": True},
    "interface": {"type": "str", "choices": ["public", "internal", "admin"], "required": True},
    "url": {"type": "str"},
    "region": {"type": "str"},
    "enabled": {"type": "bool"},
}


class CatalogRegistrationModule(StackwrightModule):
    argument_spec: ClassVar[dict] = dict(
        user=dict(type="dict", options=USER_OPTIONS),
        project=dict(type="str", default="service"),
        project_domain=dict(type="str"),
        roles=dict(type="list", elements="str", default=["admin", "service"]),
        services=dict(type="list", elements="dict", options=SERVICE_OPTIONS, default=[]),
        endpoints=dict(type="list", elements="dict", options=ENDPOINT_OPTIONS, default=[]),
        region=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        remove_user=dict(type="bool", default=False),
    )

    def run(self) -> dict[str, Any]:
        p = self.params
        self.before: dict[str, Any] = {}
        self.after: dict[str, Any] = {}
        self.parts: dict[str, Any] = {"user": None, "role_assignments": [], "services": [], "endpoints": []}
        self._check_unique()
        if p["state"] == "present":
            if p["user"]:
                refs = self._resolve_once()
                user = self._user("present", refs)
                for role in p["roles"]:
                    self._role(role, user, "present", refs)
            services = {s["name"]: self._service(s, "present") for s in p["services"]}
            for endpoint in p["endpoints"]:
                self._endpoint(endpoint, services.get(endpoint["service"], endpoint["service"]), "present")
        else:
            for endpoint in p["endpoints"]:
                self._endpoint(endpoint, endpoint["service"], "absent")
            for service in p["services"]:
                self._service(service, "absent")
            if p["user"] and p["remove_user"]:
                domain = p["user"]["domain"]
                refs = {
                    "domain": domain,
                    "project": p["project"],
                    "project_domain": p["project_domain"] or domain,
                }
                for role in p["roles"]:
                    self._role(role, p["user"]["name"], "absent", refs)
                self._user("absent", refs)
        parts = self.parts
        changed = any(
            item["changed"]
            for item in [parts["user"] or {"changed": False}, *parts["role_assignments"]]
            + parts["services"]
            + parts["endpoints"]
        )
        result = {"changed": changed, **parts}
        if self.diff:
            result["diff"] = {"before": self.before, "after": self.after}
        return result

    # --- the parts: each one the item's own module, run here ---------------------------------
    def _run(self, label: str, module_class: type, params: dict[str, Any]) -> dict[str, Any]:
        """The result of ``module_class`` run with ``params`` (its diff taken out); a failure
        names the item."""
        try:
            out = embed(module_class, self, params).run()
        except StackwrightError as exc:
            raise StackwrightError(f"{label}: {exc}") from None
        return dict(out)

    def _record(self, part: str, key: str | None, out: dict[str, Any]) -> None:
        diff = out.pop("diff", None)
        if diff is None:
            return
        if key is None:
            self.before[part], self.after[part] = diff["before"], diff["after"]
        else:
            self.before.setdefault(part, {})[key] = diff["before"]
            self.after.setdefault(part, {})[key] = diff["after"]

    def _resolve_once(self) -> dict[str, str | None]:
        """The user's domain and the service project, resolved (by name, as the user and role
        modules do) once: the items get their ids, a lookup by id each, instead of by name again."""
        p, user = self.params, self.params["user"]
        try:
            domain = domain_id(self.conn, user["domain"])
            project_domain = domain_id(self.conn, p["project_domain"]) if p["project_domain"] else domain
            project = project_id(self.conn, p["project"], project_domain) if p["roles"] else p["project"]
        except StackwrightError as exc:
            raise StackwrightError(f"user {user['name']}: {exc}") from None
        return {"domain": domain, "project": project, "project_domain": project_domain}

    def _user(self, state: str, refs: dict[str, str | None]) -> str:
        """Ensure the user; its id (a :class:`PendingId` if check mode would create it)."""
        p, user = self.params, self.params["user"]
        params = {**user, "domain": refs["domain"], "state": state}
        if user["default_project"] == p["project"] and refs["project_domain"] == refs["domain"]:
            params["default_project"] = refs["project"]  # the same lookup, done already
        out = self._run(f"user {user['name']}", UserModule, params)
        self._record("user", None, out)
        self.parts["user"] = out
        return self._reference(out["user"], "user", user["name"])

    def _role(self, role: str, user: str, state: str, refs: dict[str, str | None]) -> None:
        params = {
            "role": role,
            "user": user,
            "user_domain": refs["domain"],
            "project": refs["project"],
            "project_domain": refs["project_domain"],
            "state": state,
        }
        out = self._run(f"role {role} on {self.params['project']}", RoleAssignmentModule, params)
        self._record("role_assignments", role, out)
        self.parts["role_assignments"].append({"role": role, **out})

    def _service(self, service: dict[str, Any], state: str) -> str:
        """Ensure a catalog service; its id (a :class:`PendingId` if check mode would create it)."""
        out = self._run(f"service {service['name']}", CatalogServiceModule, {**service, "state": state})
        self._record("services", service["name"], out)
        self.parts["services"].append({"name": service["name"], "type": service["type"], **out})
        return self._reference(out["service"], "service", service["name"])

    def _endpoint(self, endpoint: dict[str, Any], service: str, state: str) -> None:
        region = endpoint["region"] or self.params["region"]
        label = self._endpoint_label(endpoint)
        params = {
            "service": service,
            "endpoint_interface": endpoint["interface"],
            "url": endpoint["url"],
            "region": region,
            "enabled": endpoint["enabled"],
            "state": state,
        }
        out = self._run(f"endpoint {label}", EndpointModule, params)
        self._record("endpoints", label, out)
        item = {"service": endpoint["service"], "interface": endpoint["interface"], "region": region}
        self.parts["endpoints"].append({**item, **out})

    # --- helpers ---------------------------------------------------------------------------
    def _endpoint_label(self, endpoint: dict[str, Any]) -> str:
        region = endpoint["region"] or self.params["region"] or "any-region"
        return f"{endpoint['service']} {endpoint['interface']} {region}"

    def _reference(self, resource: dict[str, Any] | None, kind: str, name: str) -> str:
        """How the items under a resource refer to it: its id; the name when it is absent."""
        if resource is None:
            return name
        if resource.get("id") is None:  # check mode would create it
            return PendingId.of(kind, name)
        return resource["id"]

    def _check_unique(self) -> None:
        p = self.params
        for what, keys in (
            ("services", [s["name"] for s in p["services"]]),
            ("endpoints", [self._endpoint_label(e) for e in p["endpoints"]]),
            ("roles", list(p["roles"]) if p["user"] else []),
        ):
            twice = sorted({k for k in keys if keys.count(k) > 1})
            if twice:
                raise StackwrightError(f"{what}: given more than once: {', '.join(twice)}")


def main():
    CatalogRegistrationModule()()


if __name__ == "__main__":
    main()
