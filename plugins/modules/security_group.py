#!/usr/bin/python
"""Module: a neutron security group (its rules: security_group_rule)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: security_group
author: stackwright developers
short_description: A neutron security group
description:
  - Creates, updates or deletes a neutron security group, found by name (or id) within its
    project (every project has its own C(default) group).
  - Only the group itself is managed; its rules are managed one by one with
    M(stackwright.cloud.security_group_rule). Neutron gives a new group two egress rules
    (everything out, IPv4 and IPv6); remove them with that module if they are not wanted.
  - I(project) is fixed at creation. Deleting a group that ports still use fails, as neutron
    refuses it.
options:
  name:
    description: Name (or id, to find an existing one) of the security group.
    type: str
    required: true
  project:
    description:
      - Project (name or id) owning the group; the group is looked up and created there.
      - Unset, the project of the token.
    type: str
  description:
    description: Description.
    type: str
  stateful:
    description:
      - Whether the group tracks connections (neutron's default on create is C(true)); a
        stateless group needs rules for the return traffic too.
    type: bool
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: The web servers' group
  stackwright.cloud.security_group:
    cloud: demo
    name: web
    description: HTTP and HTTPS from anywhere

- name: Its rules
  stackwright.cloud.security_group_rule:
    cloud: demo
    security_group: web
    protocol: tcp
    port_range_min: "{{ item }}"
    remote_ip_prefix: 0.0.0.0/0
  loop: [80, 443]
"""

RETURN = r"""
security_group:
  description:
    - The group (C(null) when absent), with its rules (C(security_group_rules)); in check mode,
      the would-be group.
  type: dict
  returned: always
  sample: {"id": "a1b2...", "name": "web", "project_id": "8a3c...", "description": "HTTP and HTTPS",
           "stateful": true, "security_group_rules": [{"direction": "egress", "ethertype": "IPv4"}]}
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    find_one,
    project_id,
)


class SecurityGroupModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        project=dict(type="str"),
        description=dict(type="str"),
        stateful=dict(type="bool"),
    )
    spec = ResourceSpec(
        service="network",
        kind="security_group",
        attributes={
            "name": "name",
            "project_id": "project_id",
            "description": "description",
            "stateful": "stateful",
        },
        updatable=("description", "stateful"),
        scope=("project_id",),
    )

    def desired(self):
        p = self.params
        return {
            "name": p["name"],
            "project_id": project_id(self.conn, p["project"]),
            "description": p["description"],
            "stateful": p["stateful"],
        }

    def find(self, desired):
        scope = desired["project_id"] or getattr(self.conn, "current_project_id", None)
        filters = {"project_id": scope} if scope else {}
        return find_one(self.proxy, "security_group", desired["name"], **filters)


def main():
    SecurityGroupModule()()


if __name__ == "__main__":
    main()
