#!/usr/bin/python
"""Module: a keystone project."""

from __future__ import annotations

DOCUMENTATION = r"""
module: project
author: stackwright developers
short_description: A keystone project
description:
  - Creates, updates or deletes a keystone (identity v3) project, found by name (or id) within
    its domain.
  - I(domain) and I(parent) are fixed at creation; changing them fails (delete the project first).
options:
  name:
    description: Name (or id, to find an existing one) of the project.
    type: str
    required: true
  domain:
    description:
      - Domain (name or id) owning the project. Unset, the project is looked up in every domain
        (several matches fail) and created in the domain of the token.
    type: str
  parent:
    description: Parent project (name or id, looked up within I(domain)), for a project hierarchy.
    type: str
  description:
    description: Description.
    type: str
  enabled:
    description: Whether the project is enabled (keystone's default on create is C(true)).
    type: bool
  tags:
    description: The project's tags, compared as a set; unset, tags are left as they are.
    type: list
    elements: str
  properties:
    description:
      - Extra attributes of the project (keystone stores them as is). Only the keys given are
        compared and set; other extra attributes are left alone.
    type: dict
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: The demo project
  stackwright.cloud.project:
    cloud: admin
    name: demo
    domain: Default
    description: Demo tenant
    tags: [demo]

- name: Gone
  stackwright.cloud.project:
    cloud: admin
    name: old-demo
    domain: Default
    state: absent
"""

RETURN = r"""
project:
  description: The project (C(null) when absent); in check mode, the would-be project.
  type: dict
  returned: always
  sample: {"id": "8a3c...", "name": "demo", "domain_id": "default", "is_enabled": true, "tags": ["demo"]}
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import StackwrightError
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    domain_id,
    project_id,
)

# Attributes a property must not shadow.
RESERVED = {"id", "name", "domain_id", "parent_id", "description", "enabled", "is_domain", "tags", "options"}


class ProjectModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        domain=dict(type="str"),
        parent=dict(type="str"),
        description=dict(type="str"),
        enabled=dict(type="bool"),
        tags=dict(type="list", elements="str"),
        properties=dict(type="dict"),
    )
    spec = ResourceSpec(
        service="identity",
        kind="project",
        attributes={
            "name": "name",
            "domain_id": "domain_id",
            "parent_id": "parent_id",
            "description": "description",
            "enabled": "is_enabled",
            "tags": "tags",
            "properties": "properties",
        },
        updatable=("description", "enabled", "tags", "properties"),
        scope=("domain_id",),
        unordered=("tags",),
    )

    def desired(self):
        p = self.params
        clash = RESERVED & set(p["properties"] or {})
        if clash:
            raise StackwrightError(f"properties may not set the project attributes {sorted(clash)}")
        domain = domain_id(self.conn, p["domain"])
        return {
            "name": p["name"],
            "domain_id": domain,
            "parent_id": None if self.absent else project_id(self.conn, p["parent"], domain),
            "description": p["description"],
            "enabled": p["enabled"],
            "tags": p["tags"],
            "properties": p["properties"],
        }

    def view(self, resource):
        current = super().view(resource)
        wanted = self.params["properties"] or {}
        current["properties"] = {k: getattr(resource, k, None) for k in wanted} or None
        return current

    def to_sdk(self, values):
        values = dict(values)
        properties = values.pop("properties", None) or {}
        return {**super().to_sdk(values), **properties}


def main():
    ProjectModule()()


if __name__ == "__main__":
    main()
