#!/usr/bin/python
"""Module: a service in the keystone catalog."""

from __future__ import annotations

DOCUMENTATION = r"""
module: catalog_service
author: stackwright developers
short_description: A service in the keystone catalog
description:
  - Creates, updates or deletes a service of the keystone (identity v3) catalog, found by name
    (or id) and type. Its endpoints are managed by M(stackwright.cloud.endpoint).
options:
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
    description: Whether the service is enabled (keystone's default on create is C(true)).
    type: bool
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: Nova in the catalog
  stackwright.cloud.catalog_service:
    cloud: admin
    name: nova
    type: compute
    description: OpenStack Compute
"""

RETURN = r"""
service:
  description: The service (C(null) when absent); in check mode, the would-be service.
  type: dict
  returned: always
  sample: {"id": "5d4a...", "name": "nova", "type": "compute", "is_enabled": true}
"""

from ansible_collections.stackwright.cloud.plugins.module_utils.identity import CatalogServiceModule


def main():
    CatalogServiceModule()()


if __name__ == "__main__":
    main()
