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

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import StackwrightError
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    service_id,
)


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


def main():
    EndpointModule()()


if __name__ == "__main__":
    main()
