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
      - Only the resources with this exact name or id (security group rules, floating IPs and
        agents have no name, so their id). Nothing matching gives an empty list.
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
  - stackwright.cloud.openstack.info
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

from ansible_collections.stackwright.cloud.plugins.module_utils.info import InfoModule, Listing

NAMED = ("networks", "subnets", "routers", "ports", "security_groups")
#: resource option -> the network proxy's listing (neutron filters names exactly)
LISTINGS = {
    **{kind: Listing("network", kind, f"get_{kind[:-1]}", name_filter=True) for kind in NAMED},
    "security_group_rules": Listing("network", "security_group_rules", "get_security_group_rule"),
    "floating_ips": Listing("network", "ips", "get_ip"),
    "agents": Listing("network", "agents", "get_agent"),
}


class NetworkInfoModule(InfoModule):
    LISTINGS: ClassVar[dict] = LISTINGS


def main():
    NetworkInfoModule()()


if __name__ == "__main__":
    main()
