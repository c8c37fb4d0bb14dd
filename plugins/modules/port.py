#!/usr/bin/python
"""Module: a neutron port."""

from __future__ import annotations

DOCUMENTATION = r"""
module: port
author: stackwright developers
short_description: A neutron port
description:
  - Creates, updates or deletes a port of a neutron network, found by name (or id) on that
    network.
  - I(network), I(project), I(mac_address) and I(vnic_type) are fixed at creation; changing
    them fails (delete the port first). Fixed IPs, security groups, port security, allowed
    address pairs, the administrative state and the description are updated in place.
  - The port's C(device_owner) and C(device_id) (who uses it) are returned, never set.
options:
  name:
    description: Name (or id, to find an existing one) of the port.
    type: str
    required: true
  network:
    description:
      - The port's network (name or id), looked up in I(project) (or the token's project), then
        among the networks visible to the user (shared ones).
    type: str
    required: true
  project:
    description:
      - Project (name or id) owning the port, where I(network) and I(security_groups) are
        looked up first. Unset, the project of the token.
    type: str
  fixed_ips:
    description:
      - The port's addresses; an entry with I(subnet) only asks for any address of it, one with
        I(ip_address) only for that address on any subnet of the network. Compared as a set, on
        the keys given.
      - Unset, neutron allocates an address on create and existing addresses are left as they
        are; C([]) leaves the port without address.
    type: list
    elements: dict
    suboptions:
      subnet:
        description: Subnet (name or id) on I(network).
        type: str
      ip_address:
        description: The address.
        type: str
  security_groups:
    description:
      - Security groups (names or ids) of the port, compared as a set; C([]) for none (required
        to turn I(port_security_enabled) off). Unset, neutron gives a new port the C(default)
        group.
    type: list
    elements: str
  port_security_enabled:
    description: Whether security groups and anti-spoofing apply; unset, the network's default.
    type: bool
  allowed_address_pairs:
    description:
      - Extra addresses (or CIDRs) the port may send from, such as a VIP moved by keepalived.
        Compared as a set; an entry without I(mac_address) is compared on its address only.
    type: list
    elements: dict
    suboptions:
      ip_address:
        description: An address or a CIDR.
        type: str
        required: true
      mac_address:
        description: MAC address; unset, the port's.
        type: str
  mac_address:
    description: MAC address of the port; unset, neutron makes one up; create-only.
    type: str
  vnic_type:
    description: The VNIC type (C(binding:vnic_type)) such as C(normal), C(direct), C(baremetal); create-only.
    type: str
  admin_state_up:
    description: Administrative state (neutron's default on create is C(true)).
    type: bool
  description:
    description: Description.
    type: str
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: A port with a fixed address, for a server created later
  stackwright.cloud.port:
    cloud: demo
    name: db-port
    network: demo-net
    fixed_ips:
      - {subnet: demo-subnet, ip_address: 10.10.0.20}
    security_groups: [default, db]

- name: Two servers sharing a keepalived VIP
  stackwright.cloud.port:
    cloud: demo
    name: "lb-{{ item }}"
    network: demo-net
    allowed_address_pairs:
      - ip_address: 10.10.0.250
  loop: [a, b]

- name: A port without filtering
  stackwright.cloud.port:
    cloud: demo
    name: router-vm-port
    network: demo-net
    port_security_enabled: false
    security_groups: []
"""

RETURN = r"""
port:
  description: The port (C(null) when absent); in check mode, the would-be port.
  type: dict
  returned: always
  sample: {"id": "3f7a...", "name": "db-port", "network_id": "0c6b...", "mac_address": "fa:16:3e:12:34:56",
           "fixed_ips": [{"subnet_id": "5e1a...", "ip_address": "10.10.0.20"}],
           "security_group_ids": ["a1b2..."], "is_port_security_enabled": true,
           "allowed_address_pairs": [], "binding_vnic_type": "normal",
           "device_owner": "compute:nova", "device_id": "7d9e...", "status": "ACTIVE"}
"""

import ipaddress
from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.network import entries_match, visible
from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import StackwrightError
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    find_one,
    project_id,
)


def address(value, cidr=False):
    """An address (or, with ``cidr``, an address or a CIDR) as neutron writes it back."""
    if value is None:
        return None
    value = value.strip()
    try:
        if cidr and "/" in value:
            return ipaddress.ip_interface(value).compressed
        return ipaddress.ip_address(value).compressed
    except ValueError:
        raise StackwrightError(f"not an IP address{' or CIDR' if cidr else ''}: {value!r}") from None


def mac(value):
    return value.strip().lower() if value else None


def fixed_ips_view(entries):
    return [
        {"subnet_id": e.get("subnet_id"), "ip_address": address(e.get("ip_address"))} for e in entries or []
    ]


def pairs_view(entries):
    return [
        {"ip_address": address(e.get("ip_address"), cidr=True), "mac_address": mac(e.get("mac_address"))}
        for e in entries or []
    ]


#: Attributes compared entry by entry on the keys the playbook gives.
PARTIAL = ("fixed_ips", "allowed_address_pairs")


class PortModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        network=dict(type="str", required=True),
        project=dict(type="str"),
        fixed_ips=dict(
            type="list",
            elements="dict",
            options=dict(subnet=dict(type="str"), ip_address=dict(type="str")),
        ),
        security_groups=dict(type="list", elements="str"),
        port_security_enabled=dict(type="bool"),
        allowed_address_pairs=dict(
            type="list",
            elements="dict",
            options=dict(ip_address=dict(type="str", required=True), mac_address=dict(type="str")),
        ),
        mac_address=dict(type="str"),
        vnic_type=dict(type="str"),
        admin_state_up=dict(type="bool"),
        description=dict(type="str"),
    )
    spec = ResourceSpec(
        service="network",
        kind="port",
        attributes={
            "name": "name",
            "network_id": "network_id",
            "project_id": "project_id",
            "fixed_ips": "fixed_ips",
            "security_groups": "security_group_ids",
            "port_security_enabled": "is_port_security_enabled",
            "allowed_address_pairs": "allowed_address_pairs",
            "mac_address": "mac_address",
            "vnic_type": "binding_vnic_type",
            "admin_state_up": "is_admin_state_up",
            "description": "description",
        },
        updatable=(
            "fixed_ips",
            "security_groups",
            "port_security_enabled",
            "allowed_address_pairs",
            "admin_state_up",
            "description",
        ),
        scope=("network_id",),
        unordered=("security_groups",),
    )

    def fixed_ips(self, network):
        if self.params["fixed_ips"] is None:
            return None
        out = []
        for ip in self.params["fixed_ips"]:
            if not ip["subnet"] and not ip["ip_address"]:
                raise StackwrightError("each fixed_ips entry needs subnet or ip_address")
            entry = {}
            if ip["subnet"]:
                entry["subnet_id"] = find_one(
                    self.proxy, "subnet", ip["subnet"], required=True, network_id=network
                ).id
            if ip["ip_address"]:
                entry["ip_address"] = address(ip["ip_address"])
            out.append(entry)
        return out

    def desired(self):
        p = self.params
        project = project_id(self.conn, p["project"])
        network = visible(self.conn, "network", p["network"], project).id
        if self.absent:
            return {"name": p["name"], "network_id": network}
        groups = p["security_groups"]
        if groups is not None:
            groups = [visible(self.conn, "security_group", g, project).id for g in groups]
        pairs = p["allowed_address_pairs"]
        if pairs is not None:
            pairs = [
                {k: v for k, v in e.items() if v is not None}
                for e in (
                    {"ip_address": address(x["ip_address"], cidr=True), "mac_address": mac(x["mac_address"])}
                    for x in pairs
                )
            ]
        return {
            "name": p["name"],
            "network_id": network,
            "project_id": project,
            "fixed_ips": self.fixed_ips(network),
            "security_groups": groups,
            "port_security_enabled": p["port_security_enabled"],
            "allowed_address_pairs": pairs,
            "mac_address": mac(p["mac_address"]),
            "vnic_type": p["vnic_type"],
            "admin_state_up": p["admin_state_up"],
            "description": p["description"],
        }

    def view(self, resource):
        current = super().view(resource)
        current["fixed_ips"] = fixed_ips_view(resource.fixed_ips)
        current["allowed_address_pairs"] = pairs_view(resource.allowed_address_pairs)
        current["mac_address"] = mac(resource.mac_address)
        current["security_groups"] = list(resource.security_group_ids or [])
        return current

    def changes(self, resource, current, desired):
        changes = super().changes(resource, current, {k: v for k, v in desired.items() if k not in PARTIAL})
        for key in PARTIAL:
            wanted = desired.get(key)
            if wanted is not None and not entries_match(wanted, current[key]):
                changes[key] = wanted
        return changes


def main():
    PortModule()()


if __name__ == "__main__":
    main()
