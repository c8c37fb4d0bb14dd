#!/usr/bin/python
"""Module: a keystone domain."""

from __future__ import annotations

DOCUMENTATION = r"""
module: identity_domain
author: stackwright developers
short_description: A keystone domain
description:
  - Creates, updates or deletes a keystone (identity v3) domain, found by name or id.
  - An enabled domain is disabled before it is deleted, as keystone requires.
options:
  name:
    description: Name (or id, to find an existing one) of the domain.
    type: str
    required: true
  description:
    description: Description.
    type: str
  enabled:
    description: Whether the domain is enabled (keystone's default on create is C(true)).
    type: bool
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: A domain for the customers' projects
  stackwright.cloud.identity_domain:
    cloud: admin
    name: customers
    description: Customer projects
"""

RETURN = r"""
domain:
  description: The domain (C(null) when absent); in check mode, the would-be domain.
  type: dict
  returned: always
  sample: {"id": "4f1e...", "name": "customers", "description": "Customer projects", "is_enabled": true}
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.resource import ResourceModule, ResourceSpec


class DomainModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        enabled=dict(type="bool"),
    )
    spec = ResourceSpec(
        service="identity",
        kind="domain",
        attributes={"name": "name", "description": "description", "enabled": "is_enabled"},
        updatable=("description", "enabled"),
    )

    def delete(self, resource):
        if resource.is_enabled:
            self.proxy.update_domain(resource, is_enabled=False)
        super().delete(resource)


def main():
    DomainModule()()


if __name__ == "__main__":
    main()
