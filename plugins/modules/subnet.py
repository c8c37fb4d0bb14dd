#!/usr/bin/python
"""Module: a neutron subnet."""

from __future__ import annotations

DOCUMENTATION = r"""
module: subnet
author: stackwright developers
short_description: A neutron subnet
description:
  - Creates, updates or deletes a subnet of a neutron network, found by name (or id) on that
    network.
  - I(network), I(cidr), I(ip_version), I(project) and the IPv6 modes are fixed at creation;
    changing them fails (delete the subnet first). The gateway, DHCP, DNS servers, allocation
    pools, host routes and description are updated in place.
  - Subnet pools are not supported; give I(cidr).
options:
  name:
    description: Name (or id, to find an existing one) of the subnet.
    type: str
    required: true
  network:
    description:
      - The network (name or id) of the subnet, looked up in I(project) (or the token's project),
        then among the networks visible to the user (shared ones).
    type: str
    required: true
  project:
    description:
      - Project (name or id) owning the subnet, where I(network) is looked up first.
      - Unset, the project of the token.
    type: str
  cidr:
    description: The subnet's range (C(10.0.0.0/24), C(2001:db8::/64)); required to create it.
    type: str
  ip_version:
    description: IP version; unset, that of I(cidr).
    type: int
    choices: [4, 6]
  gateway_ip:
    description:
      - Gateway address; unset, neutron takes the first address of I(cidr) on creation and an
        existing gateway is left as is.
    type: str
  no_gateway:
    description: The subnet has no gateway (an existing one is removed).
    type: bool
    default: false
  enable_dhcp:
    description: Whether neutron serves DHCP on the subnet (its default on create is C(true)).
    type: bool
  dns_nameservers:
    description: DNS servers handed to the subnet's ports, in this order; C([]) removes them.
    type: list
    elements: str
  allocation_pools:
    description: Address ranges neutron allocates ports from, compared as a set.
    type: list
    elements: dict
    suboptions:
      start:
        description: First address of the range.
        type: str
        required: true
      end:
        description: Last address of the range.
        type: str
        required: true
  host_routes:
    description: Extra routes handed to the subnet's ports by DHCP, compared as a set; C([]) removes them.
    type: list
    elements: dict
    suboptions:
      destination:
        description: Destination CIDR.
        type: str
        required: true
      nexthop:
        description: Next hop address.
        type: str
        required: true
  ipv6_ra_mode:
    description: How router advertisements are sent (IPv6); create-only.
    type: str
    choices: [dhcpv6-stateful, dhcpv6-stateless, slaac]
  ipv6_address_mode:
    description: How ports get their addresses (IPv6); create-only.
    type: str
    choices: [dhcpv6-stateful, dhcpv6-stateless, slaac]
  description:
    description: Description.
    type: str
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: The demo project's IPv4 subnet
  stackwright.cloud.subnet:
    cloud: demo
    name: demo-subnet
    network: demo-net
    cidr: 10.10.0.0/24
    dns_nameservers: [10.0.0.53, 10.0.1.53]
    allocation_pools:
      - {start: 10.10.0.100, end: 10.10.0.199}

- name: The floating IP range of the external network, without DHCP
  stackwright.cloud.subnet:
    cloud: admin
    name: public-subnet
    network: public
    cidr: 172.29.248.0/22
    gateway_ip: 172.29.248.1
    enable_dhcp: false
    allocation_pools:
      - {start: 172.29.249.0, end: 172.29.251.254}

- name: An isolated subnet
  stackwright.cloud.subnet:
    cloud: demo
    name: storage-subnet
    network: storage-net
    cidr: 192.168.50.0/24
    no_gateway: true
"""

RETURN = r"""
subnet:
  description: The subnet (C(null) when absent); in check mode, the would-be subnet.
  type: dict
  returned: always
  sample: {"id": "5e1a...", "name": "demo-subnet", "network_id": "0c6b...", "cidr": "10.10.0.0/24",
           "ip_version": 4, "gateway_ip": "10.10.0.1", "is_dhcp_enabled": true,
           "dns_nameservers": ["10.0.0.53"],
           "allocation_pools": [{"start": "10.10.0.100", "end": "10.10.0.199"}],
           "host_routes": []}
"""

import ipaddress
from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import StackwrightError
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    find_one,
    project_id,
)


def visible_network(conn, network, project):
    """The network named (or with id) ``network``: in ``project`` (or the token's) first, then
    among every network the user sees (shared, external)."""
    scope = project or getattr(conn, "current_project_id", None)
    found = find_one(conn.network, "network", network, project_id=scope) if scope else None
    return found or find_one(conn.network, "network", network, required=True)


def address(value):
    """An IP address as neutron writes it back (IPv6 compressed), checked."""
    if value is None:
        return None
    try:
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError:
        raise StackwrightError(f"not an IP address: {value!r}") from None


def network_range(value):
    if value is None:
        return None
    try:
        return ipaddress.ip_network(value.strip()).compressed
    except ValueError as exc:
        raise StackwrightError(f"cidr {value!r}: {exc}") from None


def pools(entries):
    """Allocation pools as neutron returns them: ``{"start", "end"}`` in that key order."""
    if entries is None:
        return None
    return [{"start": address(e["start"]), "end": address(e["end"])} for e in entries]


def routes(entries):
    """Host routes as neutron returns them: ``{"destination", "nexthop"}``."""
    if entries is None:
        return None
    return [
        {"destination": network_range(e["destination"]), "nexthop": address(e["nexthop"])} for e in entries
    ]


class SubnetModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        network=dict(type="str", required=True),
        project=dict(type="str"),
        cidr=dict(type="str"),
        ip_version=dict(type="int", choices=[4, 6]),
        gateway_ip=dict(type="str"),
        no_gateway=dict(type="bool", default=False),
        enable_dhcp=dict(type="bool"),
        dns_nameservers=dict(type="list", elements="str"),
        allocation_pools=dict(
            type="list",
            elements="dict",
            options=dict(start=dict(type="str", required=True), end=dict(type="str", required=True)),
        ),
        host_routes=dict(
            type="list",
            elements="dict",
            options=dict(
                destination=dict(type="str", required=True), nexthop=dict(type="str", required=True)
            ),
        ),
        ipv6_ra_mode=dict(type="str", choices=["dhcpv6-stateful", "dhcpv6-stateless", "slaac"]),
        ipv6_address_mode=dict(type="str", choices=["dhcpv6-stateful", "dhcpv6-stateless", "slaac"]),
        description=dict(type="str"),
    )
    module_kwargs: ClassVar[dict] = dict(
        mutually_exclusive=[("gateway_ip", "no_gateway")],
        required_if=[("state", "present", ["cidr"])],
    )
    spec = ResourceSpec(
        service="network",
        kind="subnet",
        attributes={
            "name": "name",
            "network_id": "network_id",
            "project_id": "project_id",
            "cidr": "cidr",
            "ip_version": "ip_version",
            "gateway_ip": "gateway_ip",
            "enable_dhcp": "is_dhcp_enabled",
            "dns_nameservers": "dns_nameservers",
            "allocation_pools": "allocation_pools",
            "host_routes": "host_routes",
            "ipv6_ra_mode": "ipv6_ra_mode",
            "ipv6_address_mode": "ipv6_address_mode",
            "description": "description",
        },
        updatable=(
            "gateway_ip",
            "enable_dhcp",
            "dns_nameservers",
            "allocation_pools",
            "host_routes",
            "description",
        ),
        scope=("network_id",),
        unordered=("allocation_pools", "host_routes"),
    )

    def desired(self):
        p = self.params
        project = project_id(self.conn, p["project"])
        network = visible_network(self.conn, p["network"], project).id
        if self.absent:
            return {"name": p["name"], "network_id": network}
        cidr = network_range(p["cidr"])
        version = p["ip_version"] or (cidr and ipaddress.ip_network(cidr).version)
        if p["ip_version"] and cidr and ipaddress.ip_network(cidr).version != p["ip_version"]:
            raise StackwrightError(f"cidr {cidr} is not an IPv{p['ip_version']} range")
        return {
            "name": p["name"],
            "network_id": network,
            "project_id": project,
            "cidr": cidr,
            "ip_version": version,
            "gateway_ip": address(p["gateway_ip"]),
            "enable_dhcp": p["enable_dhcp"],
            "dns_nameservers": p["dns_nameservers"],
            "allocation_pools": pools(p["allocation_pools"]),
            "host_routes": routes(p["host_routes"]),
            "ipv6_ra_mode": p["ipv6_ra_mode"],
            "ipv6_address_mode": p["ipv6_address_mode"],
            "description": p["description"],
        }

    def view(self, resource):
        current = super().view(resource)
        current["cidr"] = network_range(resource.cidr)
        current["gateway_ip"] = address(resource.gateway_ip)
        current["allocation_pools"] = pools(resource.allocation_pools or [])
        current["host_routes"] = routes(resource.host_routes or [])
        current["dns_nameservers"] = list(resource.dns_nameservers or [])
        return current

    def changes(self, resource, current, desired):
        changes = super().changes(resource, current, desired)
        if self.params["no_gateway"] and current.get("gateway_ip") is not None:
            changes["gateway_ip"] = None  # sent as null: neutron removes the gateway
        return changes

    def create(self, attrs):
        if self.params["no_gateway"]:
            attrs = {**attrs, "gateway_ip": None}
        return self.proxy.create_subnet(**attrs)


def main():
    SubnetModule()()


if __name__ == "__main__":
    main()
