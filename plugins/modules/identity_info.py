#!/usr/bin/python
"""Module: lists of keystone resources."""

from __future__ import annotations

DOCUMENTATION = r"""
module: identity_info
author: stackwright developers
short_description: List keystone domains, projects, users, roles, assignments, services or endpoints
description:
  - Lists one kind of keystone (identity v3) resource, filtered by the API's query parameters.
options:
  resource:
    description: What to list.
    type: str
    required: true
    choices: [domains, projects, users, groups, roles, role_assignments, services, endpoints, regions]
  name:
    description:
      - Only the resources with this exact name or id (names are unique only within a domain, so
        add C(domain_id) to I(filters)). Nothing matching gives an empty list.
    type: str
  filters:
    description:
      - Query parameters of the list, by the SDK's names; for instance C(name), C(domain_id),
        C(is_enabled) (projects), C(type) (services), C(service_id), C(interface), C(region_id)
        (endpoints), C(user_id), C(group_id), C(role_id), C(scope_project_id),
        C(scope_domain_id), C(effective), C(include_names) (role_assignments).
      - An unknown parameter fails, naming the ones accepted.
    type: dict
    default: {}
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.info
"""

EXAMPLES = r"""
- name: Everything nova is registered as
  stackwright.cloud.identity_info:
    cloud: admin
    resource: endpoints
    filters:
      service_id: "{{ nova_service.service.id }}"
  register: nova_endpoints

- name: Who has which role on the demo project
  stackwright.cloud.identity_info:
    cloud: admin
    resource: role_assignments
    filters:
      scope_project_id: "{{ demo.project.id }}"
      include_names: true
"""

RETURN = r"""
items:
  description: The resources listed, as dicts.
  type: list
  elements: dict
  returned: always
  sample: [{"id": "default", "name": "Default", "description": "The default domain", "is_enabled": true}]
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.info import InfoModule, Listing

KINDS = (
    "domains",
    "projects",
    "users",
    "groups",
    "roles",
    "role_assignments",
    "services",
    "endpoints",
    "regions",
)
LISTINGS = {
    kind: Listing("identity", kind, getter=f"get_{kind[:-1]}" if kind != "role_assignments" else None)
    for kind in KINDS
}


class IdentityInfoModule(InfoModule):
    LISTINGS: ClassVar[dict] = LISTINGS


def main():
    IdentityInfoModule()()


if __name__ == "__main__":
    main()
