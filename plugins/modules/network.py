#!/usr/bin/python
"""Module: a neutron network."""

from __future__ import annotations

DOCUMENTATION = r"""
module: network
author: stackwright developers
short_description: A neutron network
description:
  - Creates, updates or deletes a neutron network, found by name (or id) within its project
    (network names are unique only per project).
  - I(project) and the provider attributes (I(provider_network_type),
    I(provider_physical_network), I(provider_segmentation_id)) are fixed at creation; changing
    them fails (delete the network first). Every other attribute is updated in place.
  - Deleting a network that still has ports (router interfaces, servers) fails, as neutron
    refuses it; the subnets go with the network.
options:
  name:
    description: Name (or id, to find an existing one) of the network.
    type: str
    required: true
  project:
    description:
      - Project (name or id) owning the network; the network is looked up and created there.
      - Unset, the project of the token (an admin creating a network for another project names it).
    type: str
  admin_state_up:
    description: Administrative state (neutron's default on create is C(true)).
    type: bool
  shared:
    description: Whether every project may use the network (admin only by default policy).
    type: bool
  external:
    description:
      - Whether the network is external (C(router:external)), the source of router gateways and
        floating IPs (admin only by default policy).
    type: bool
  mtu:
    description: MTU of the network; unset, neutron computes it from the network type.
    type: int
  port_security_enabled:
    description: Default port security (security groups, anti-spoofing) of the network's new ports.
    type: bool
  description:
    description: Description.
    type: str
  provider_network_type:
    description: Provider network type (C(flat), C(vlan), C(geneve)...), admin only; create-only.
    type: str
  provider_physical_network:
    description: Physical network (a bridge mapping's name) of a C(flat) or C(vlan) network; create-only.
    type: str
  provider_segmentation_id:
    description: VLAN id or tunnel id of the network; create-only.
    type: int
  dns_domain:
    description: DNS domain of the network's ports (DNS integration), a name ending with a dot.
    type: str
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: The provider network floating IPs come from
  stackwright.cloud.network:
    cloud: admin
    name: public
    external: true
    shared: false
    provider_network_type: flat
    provider_physical_network: physnet1

- name: A tenant network of the demo project
  stackwright.cloud.network:
    cloud: admin
    name: demo-net
    project: demo
    mtu: 1442
    description: Demo servers

- name: Gone
  stackwright.cloud.network:
    cloud: admin
    name: demo-net
    project: demo
    state: absent
"""

RETURN = r"""
network:
  description: The network (C(null) when absent); in check mode, the would-be network.
  type: dict
  returned: always
  sample: {"id": "0c6b...", "name": "demo-net", "project_id": "8a3c...", "mtu": 1442,
           "is_admin_state_up": true, "is_shared": false, "is_router_external": false,
           "provider_network_type": "geneve", "provider_segmentation_id": 7, "status": "ACTIVE",
           "subnet_ids": []}
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    find_one,
    project_id,
)


class NetworkModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        project=dict(type="str"),
        admin_state_up=dict(type="bool"),
        shared=dict(type="bool"),
        external=dict(type="bool"),
        mtu=dict(type="int"),
        port_security_enabled=dict(type="bool"),
        description=dict(type="str"),
        provider_network_type=dict(type="str"),
        provider_physical_network=dict(type="str"),
        provider_segmentation_id=dict(type="int"),
        dns_domain=dict(type="str"),
    )
    spec = ResourceSpec(
        service="network",
        kind="network",
        attributes={
            "name": "name",
            "project_id": "project_id",
            "admin_state_up": "is_admin_state_up",
            "shared": "is_shared",
            "external": "is_router_external",
            "mtu": "mtu",
            "port_security_enabled": "is_port_security_enabled",
            "description": "description",
            "provider_network_type": "provider_network_type",
            "provider_physical_network": "provider_physical_network",
            "provider_segmentation_id": "provider_segmentation_id",
            "dns_domain": "dns_domain",
        },
        updatable=(
            "admin_state_up",
            "shared",
            "external",
            "mtu",
            "port_security_enabled",
            "description",
            "dns_domain",
        ),
        scope=("project_id",),
    )

    def desired(self):
        p = self.params
        values = {k: p[k] for k in self.spec.attributes if k in p}
        values["project_id"] = project_id(self.conn, p["project"])
        return values

    def find(self, desired):
        # Names are unique per project only: look in the project asked for, else the token's.
        scope = desired["project_id"] or getattr(self.conn, "current_project_id", None)
        filters = {"project_id": scope} if scope else {}
        return find_one(self.proxy, "network", desired["name"], **filters)


def main():
    NetworkModule()()


if __name__ == "__main__":
    main()
