"""The identity resource modules' classes (user, role assignment, catalog service, endpoint).

They live here, not in plugins/modules/, so that a module can run them in its own process:
Ansible ships a module with the module_utils it imports, never with other modules. The modules
of the same names are each this class with its documentation and ``main()``;
``catalog_registration`` runs all four with one connection (``module_utils.resource.embed``).
"""

from __future__ import annotations

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    StackwrightModule,
    sdk_exceptions,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    NotFoundError,
    ResourceModule,
    ResourceSpec,
    domain_id,
    group_id,
    project_id,
    role_id,
    service_id,
    user_id,
)


# --- user ----------------------------------------------------------------------------------------
class UserModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        domain=dict(type="str"),
        password=dict(type="str", no_log=True),
        update_password=dict(type="str", choices=["always", "on_create"], default="on_create"),
        email=dict(type="str"),
        default_project=dict(type="str"),
        description=dict(type="str"),
        enabled=dict(type="bool"),
    )
    spec = ResourceSpec(
        service="identity",
        kind="user",
        attributes={
            "name": "name",
            "domain_id": "domain_id",
            "password": "password",
            "email": "email",
            "default_project_id": "default_project_id",
            "description": "description",
            "enabled": "is_enabled",
        },
        updatable=("password", "email", "default_project_id", "description", "enabled"),
        scope=("domain_id",),
        write_only=("password",),
    )

    def desired(self):
        p = self.params
        domain = domain_id(self.conn, p["domain"])
        default_project = None if self.absent else project_id(self.conn, p["default_project"], domain)
        return {
            "name": p["name"],
            "domain_id": domain,
            "password": p["password"],
            "email": p["email"],
            "default_project_id": default_project,
            "description": p["description"],
            "enabled": p["enabled"],
        }

    def changes(self, resource, current, desired):
        changes = super().changes(resource, current, desired)
        policy = self.params["update_password"]
        if policy == "always" and desired["password"]:
            changes["password"] = desired["password"]
        return changes


# --- role_assignment -----------------------------------------------------------------------------
GRANTED = 204
NOT_GRANTED = 404


def assignment_path(assignment: dict) -> str:
    """The identity API path of one assignment (PUT grants, HEAD checks, DELETE revokes).

    The SDK's validate_*/assign_* helpers return False (or nothing) on any error, a 403 included;
    requests on this path report errors.
    """
    actor = (
        f"users/{assignment['user_id']}" if assignment.get("user_id") else f"groups/{assignment['group_id']}"
    )
    role = f"roles/{assignment['role_id']}"
    if assignment.get("system"):
        return f"/system/{actor}/{role}"
    scope = (
        f"projects/{assignment['project_id']}"
        if assignment.get("project_id")
        else f"domains/{assignment['domain_id']}"
    )
    if assignment.get("inherited"):
        return f"/OS-INHERIT/{scope}/{actor}/{role}/inherited_to_projects"
    return f"/{scope}/{actor}/{role}"


class RoleAssignmentModule(StackwrightModule):
    argument_spec: ClassVar[dict] = dict(
        role=dict(type="str", required=True),
        user=dict(type="str"),
        group=dict(type="str"),
        project=dict(type="str"),
        domain=dict(type="str"),
        system=dict(type="str", choices=["all"]),
        user_domain=dict(type="str"),
        group_domain=dict(type="str"),
        project_domain=dict(type="str"),
        inherited=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module_kwargs: ClassVar[dict] = dict(
        required_one_of=[("user", "group"), ("project", "domain", "system")],
        mutually_exclusive=[("user", "group"), ("project", "domain", "system")],
    )

    def assignment(self) -> dict:
        """The assignment, every name resolved into an id."""
        p, conn = self.params, self.conn
        out = {"role_id": role_id(conn, p["role"])}
        if p["user"]:
            out["user_id"] = user_id(conn, p["user"], p["user_domain"])
        else:
            out["group_id"] = group_id(conn, p["group"], p["group_domain"])
        if p["project"]:
            out["project_id"] = project_id(conn, p["project"], p["project_domain"])
        elif p["domain"]:
            out["domain_id"] = domain_id(conn, p["domain"])
        else:
            out["system"] = p["system"]
        out["inherited"] = p["inherited"]
        return out

    def request(self, method: str, path: str) -> int:
        response = getattr(self.conn.identity, method)(path)
        if method == "head" and response.status_code in (GRANTED, NOT_GRANTED):
            return response.status_code
        sdk_exceptions.raise_from_response(response)
        return response.status_code

    def run(self):
        present = self.params["state"] == "present"
        if self.params["system"] and self.params["inherited"]:
            raise StackwrightError("inherited applies to projects and domains, not to the system scope")
        try:
            assignment = self.assignment()
        except NotFoundError:
            if present:
                raise
            return {"changed": False, "assignment": None}  # a missing user/role/project has no role
        path = assignment_path(assignment)
        exists = self.request("head", path) == GRANTED
        changed = exists != present
        if changed and not self.check_mode:
            self.request("put" if present else "delete", path)
        result = {"changed": changed, "assignment": assignment}
        if self.diff:
            result["diff"] = {
                "before": assignment if exists else {},
                "after": assignment if present else {},
            }
        return result


# --- catalog_service -----------------------------------------------------------------------------
class CatalogServiceModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        type=dict(type="str", required=True),
        description=dict(type="str"),
        enabled=dict(type="bool"),
    )
    spec = ResourceSpec(
        service="identity",
        kind="service",
        attributes={"name": "name", "type": "type", "description": "description", "enabled": "is_enabled"},
        updatable=("description", "enabled"),
        scope=("type",),
    )


# --- endpoint ------------------------------------------------------------------------------------
class EndpointModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        service=dict(type="str", required=True),
        endpoint_interface=dict(type="str", choices=["public", "internal", "admin"], required=True),
        url=dict(type="str"),
        region=dict(type="str"),
        enabled=dict(type="bool"),
    )
    module_kwargs: ClassVar[dict] = dict(required_if=[("state", "present", ["url"])])
    spec = ResourceSpec(
        service="identity",
        kind="endpoint",
        attributes={
            "service_id": "service_id",
            "interface": "interface",
            "region_id": "region_id",
            "url": "url",
            "enabled": "is_enabled",
        },
        updatable=("url", "enabled"),
        key=None,
    )

    def desired(self):
        p = self.params
        return {
            "service_id": service_id(self.conn, p["service"]),
            "interface": p["endpoint_interface"],
            "region_id": p["region"],
            "url": p["url"],
            "enabled": p["enabled"],
        }

    def label(self, desired):
        region = desired["region_id"] or "any region"
        return f"the {desired['interface']} endpoint of {self.params['service']} in {region}"

    def find(self, desired):
        query = {k: desired[k] for k in ("service_id", "interface", "region_id") if desired[k] is not None}
        found = [
            e for e in self.proxy.endpoints(**query) if all(getattr(e, k) == v for k, v in query.items())
        ]
        if len(found) > 1:
            regions = ", ".join(sorted(str(e.region_id) for e in found))
            raise StackwrightError(f"{self.label(desired)}: several match (regions {regions}); set region")
        return found[0] if found else None
