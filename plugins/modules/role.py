#!/usr/bin/python
"""Module: a keystone role."""

from __future__ import annotations

DOCUMENTATION = r"""
module: role
author: stackwright developers
short_description: A keystone role
description:
  - Creates, updates or deletes a keystone (identity v3) role, a global one or, with I(domain),
    a domain-specific one.
options:
  name:
    description: Name (or id, to find an existing one) of the role.
    type: str
    required: true
  domain:
    description: Domain (name or id) of a domain-specific role; unset, a global role.
    type: str
  description:
    description: Description.
    type: str
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: The role Heat gives to stack owners
  stackwright.cloud.role:
    cloud: admin
    name: heat_stack_owner
    description: May manage Heat stacks
"""

RETURN = r"""
role:
  description: The role (C(null) when absent); in check mode, the would-be role.
  type: dict
  returned: always
  sample: {"id": "9fe2...", "name": "heat_stack_owner", "domain_id": null,
           "description": "May manage Heat stacks"}
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    domain_id,
)


class RoleModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        domain=dict(type="str"),
        description=dict(type="str"),
    )
    spec = ResourceSpec(
        service="identity",
        kind="role",
        attributes={"name": "name", "domain_id": "domain_id", "description": "description"},
        updatable=("description",),
        scope=("domain_id",),
    )

    def desired(self):
        p = self.params
        return {
            "name": p["name"],
            "domain_id": domain_id(self.conn, p["domain"]),
            "description": p["description"],
        }


def main():
    RoleModule()()


if __name__ == "__main__":
    main()
