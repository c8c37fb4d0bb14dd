#!/usr/bin/python
"""Module: an endpoint of a service in the keystone catalog."""

from __future__ import annotations

DOCUMENTATION = r"""
module: endpoint
author: stackwright developers
short_description: An endpoint in the keystone catalog
description:
  - Creates, updates or deletes one endpoint of a catalog service, identified by the service, the
    interface and the region; its URL and enabled flag change in place.
options:
  service:
    description: The service (name or id, see M(stackwright.cloud.catalog_service)).
    type: str
    required: true
  endpoint_interface:
    description:
      - Which interface of the service this endpoint is. (I(interface) is the connection's own
        option, the catalog interface the module itself uses.)
    type: str
    choices: [public, internal, admin]
    required: true
  url:
    description: The endpoint's URL; required with I(state=present).
    type: str
  region:
    description:
      - Region id (the region must exist; C(keystone-manage bootstrap) creates the first one).
      - Unset, the service's endpoint on I(endpoint_interface) is looked up in every region (several
        matches fail) and created without a region.
    type: str
  enabled:
    description: Whether the endpoint is enabled (keystone's default on create is C(true)).
    type: bool
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: Nova's endpoints
  stackwright.cloud.endpoint:
    cloud: admin
    service: nova
    endpoint_interface: "{{ item.interface }}"
    url: "{{ item.url }}"
    region: RegionOne
  loop:
    - {interface: public, url: "https://cloud.example.com:8774/v2.1"}
    - {interface: internal, url: "https://internal.example.com:8774/v2.1"}
"""

RETURN = r"""
endpoint:
  description: The endpoint (C(null) when absent); in check mode, the would-be endpoint.
  type: dict
  returned: always
  sample: {"id": "c0ff...", "service_id": "5d4a...", "interface": "public", "region_id": "RegionOne",
           "url": "https://cloud.example.com:8774/v2.1", "is_enabled": true}
"""

from ansible_collections.stackwright.cloud.plugins.module_utils.identity import EndpointModule


def main():
    EndpointModule()()


if __name__ == "__main__":
    main()
