#!/usr/bin/python
"""Module: lists of neutron resources."""

from __future__ import annotations

DOCUMENTATION = r"""
module: network_info
author: stackwright developers
short_description: List neutron networks, subnets, routers, ports, security groups, floating IPs or agents
description:
  - Lists one kind of neutron resource, filtered by the API's query parameters.
options:
  resource:
    description: What to list.
    type: str
    required: true
    choices: [networks, subnets, routers, ports, security_groups, security_group_rules, floating_ips, agents]
  name:
    description:
      - Only the resources with this name (networks, subnets, routers, ports, security groups).
        The same as the filter C(name).
    type: str
  filters:
    description:
      - Query parameters of the list, by the SDK's names; for instance C(project_id),
        C(is_router_external), C(is_shared) (networks), C(network_id), C(cidr), C(ip_version)
        (subnets), C(device_id), C(device_owner), C(fixed_ips) (ports), C(security_group_id),
        C(direction) (security_group_rules), C(floating_network_id), C(port_id),
        C(floating_ip_address) (floating_ips), C(agent_type), C(host), C(binary) (agents).
      - An unknown parameter fails, naming the ones accepted.
    type: dict
    default: {}
extends_documentation_fragment:
  - stackwright.cloud.openstack
attributes:
  check_mode:
    description: Changes nothing in any mode.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
"""

EXAMPLES = r"""
- name: The external networks
  stackwright.cloud.network_info:
    cloud: admin
    resource: networks
    filters:
      is_router_external: true
  register: external

- name: Every OVN agent is alive
  stackwright.cloud.network_info:
    cloud: admin
    resource: agents
  register: agents
  failed_when: agents['items'] | rejectattr('is_alive') | list | length > 0

- name: The ports of a server
  stackwright.cloud.network_info:
    cloud: demo
    resource: ports
    filters:
      device_id: "{{ server.id }}"
"""

RETURN = r"""
items:
  description: The resources listed, as dicts.
  type: list
  elements: dict
  returned: always
  sample: [{"id": "0c6b...", "name": "public", "is_router_external": true, "status": "ACTIVE",
            "subnet_ids": ["5e1a..."]}]
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    StackwrightModule,
    to_dict,
)

#: resource option -> the network proxy's listing method
LISTINGS = {
    "networks": "networks",
    "subnets": "subnets",
    "routers": "routers",
    "ports": "ports",
    "security_groups": "security_groups",
    "security_group_rules": "security_group_rules",
    "floating_ips": "ips",
    "agents": "agents",
}
NAMED = ("networks", "subnets", "routers", "ports", "security_groups")


class NetworkInfoModule(StackwrightModule):
    argument_spec: ClassVar[dict] = dict(
        resource=dict(type="str", required=True, choices=list(LISTINGS)),
        name=dict(type="str"),
        filters=dict(type="dict", default={}),
    )

    def run(self):
        p = self.params
        filters = dict(p["filters"])
        if p["name"] is not None:
            if p["resource"] not in NAMED:
                raise StackwrightError(f"{p['resource']} have no name: use filters")
            filters["name"] = p["name"]
        listing = getattr(self.conn.network, LISTINGS[p["resource"]])
        return {"changed": False, "items": [to_dict(item) for item in listing(**filters)]}


def main():
    NetworkInfoModule()()


if __name__ == "__main__":
    main()
