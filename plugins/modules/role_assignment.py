#!/usr/bin/python
"""Module: a role assignment in keystone."""

from __future__ import annotations

DOCUMENTATION = r"""
module: role_assignment
author: stackwright developers
short_description: A role of a user or group on a project, a domain or the system
description:
  - Grants (or revokes) a keystone role to a user or a group, on a project, a domain or the
    whole system, checking the exact assignment first, so that a second run changes nothing.
options:
  role:
    description: The role (name or id).
    type: str
    required: true
  user:
    description: The user (name or id) who gets the role; exclusive with I(group).
    type: str
  group:
    description: The group (name or id) that gets the role; exclusive with I(user).
    type: str
  project:
    description: The project (name or id) the role applies to; exclusive with I(domain) and I(system).
    type: str
  domain:
    description: The domain (name or id) the role applies to; exclusive with I(project) and I(system).
    type: str
  system:
    description: The system scope the role applies to (C(all)); exclusive with I(project) and I(domain).
    type: str
    choices: [all]
  user_domain:
    description: Domain (name or id) to look I(user) up in, where user names are not unique.
    type: str
  group_domain:
    description: Domain (name or id) to look I(group) up in.
    type: str
  project_domain:
    description: Domain (name or id) to look I(project) up in.
    type: str
  inherited:
    description:
      - An inherited assignment (OS-INHERIT) applies to the projects below the project or domain,
        not to the project or domain itself. Not for I(system).
    type: bool
    default: false
  state:
    description: C(present) grants the role, C(absent) revokes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - stackwright.cloud.openstack
attributes:
  check_mode:
    description: Reports whether the assignment would be granted or revoked, without doing it.
    support: full
  diff_mode:
    description: Returns the assignment before and after (an empty dict for none).
    support: full
"""

EXAMPLES = r"""
- name: Service users are admins of the service project
  stackwright.cloud.role_assignment:
    cloud: admin
    role: admin
    user: "{{ item }}"
    user_domain: Default
    project: service
    project_domain: Default
  loop: [nova, neutron, glance, cinder]

- name: Cloud operators administer the whole system
  stackwright.cloud.role_assignment:
    cloud: admin
    role: admin
    group: operators
    system: all
"""

RETURN = r"""
assignment:
  description:
    - The assignment, with ids, whether it was granted, revoked or already in the state asked.
    - C(null) with I(state=absent) when the role, user, group or project does not exist.
  type: dict
  returned: always
  sample: {"role_id": "47ab...", "user_id": "1b2c...", "project_id": "8a3c...", "inherited": false}
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    StackwrightModule,
    sdk_exceptions,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    NotFoundError,
    domain_id,
    group_id,
    project_id,
    role_id,
    user_id,
)

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


def main():
    RoleAssignmentModule()()


if __name__ == "__main__":
    main()
