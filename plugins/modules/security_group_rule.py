#!/usr/bin/python
"""Module: one rule of a neutron security group."""

from __future__ import annotations

DOCUMENTATION = r"""
module: security_group_rule
author: stackwright developers
short_description: One rule of a neutron security group
description:
  - Adds a rule to a neutron security group, or removes it.
  - A rule has no name and cannot be changed; it is found by all its attributes within the
    group (direction, ethertype, protocol, port range, remote prefix or group).
    C(state=present) creates it when no rule of the group matches; C(state=absent) deletes the
    matching one. To change a rule, remove the old one and add the new one.
  - Protocols are compared by number (C(tcp) and C(6) are the same rule); C(0.0.0.0/0) (C(::/0))
    is the same as no remote prefix, and C(1)-C(65535) as no port range.
options:
  security_group:
    description: The group (name or id) the rule belongs to.
    type: str
    required: true
  project:
    description:
      - Project (name or id) where I(security_group) and I(remote_group) are looked up (group
        names are unique only per project). Unset, the project of the token.
    type: str
  direction:
    description: Traffic the rule lets in (C(ingress)) or out (C(egress)) of the ports.
    type: str
    choices: [ingress, egress]
    default: ingress
  ethertype:
    description: IP version of the rule; unset, that of I(remote_ip_prefix), else C(IPv4).
    type: str
    choices: [IPv4, IPv6]
  protocol:
    description:
      - IP protocol, a name (C(tcp), C(udp), C(icmp), C(ipv6-icmp), C(vrrp)...) or a number;
        unset (or C(any)), every protocol.
    type: str
  port_range_min:
    description:
      - First port of the range (TCP, UDP, SCTP...), or the ICMP type.
      - For a port-based protocol, I(port_range_max) defaults to it (a single port).
    type: int
  port_range_max:
    description: Last port of the range, or the ICMP code.
    type: int
  remote_ip_prefix:
    description:
      - Addresses (a CIDR) the traffic comes from (ingress) or goes to (egress); exclusive with
        I(remote_group).
    type: str
  remote_group:
    description:
      - Security group (name or id) whose ports the traffic comes from or goes to; exclusive
        with I(remote_ip_prefix).
    type: str
  description:
    description: Description, set on creation (it does not identify the rule and is never updated).
    type: str
  state:
    description: C(present) adds the rule unless the group has a matching one; C(absent) removes that one.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - stackwright.cloud.openstack
attributes:
  check_mode:
    description: Reports whether the rule would be added or removed, without doing it.
    support: full
  diff_mode:
    description: Returns the rule before and after (an empty dict for none).
    support: full
"""

EXAMPLES = r"""
- name: SSH from the admin network
  stackwright.cloud.security_group_rule:
    cloud: demo
    security_group: default
    protocol: tcp
    port_range_min: 22
    remote_ip_prefix: 172.29.236.0/24

- name: Ping from anywhere, IPv4 and IPv6
  stackwright.cloud.security_group_rule:
    cloud: demo
    security_group: default
    protocol: "{{ item.protocol }}"
    ethertype: "{{ item.ethertype }}"
  loop:
    - {protocol: icmp, ethertype: IPv4}
    - {protocol: ipv6-icmp, ethertype: IPv6}

- name: Database traffic from the web servers only
  stackwright.cloud.security_group_rule:
    cloud: demo
    security_group: db
    protocol: tcp
    port_range_min: 5432
    remote_group: web

- name: No IPv6 traffic out of the group
  stackwright.cloud.security_group_rule:
    cloud: demo
    security_group: isolated
    direction: egress
    ethertype: IPv6
    state: absent
"""

RETURN = r"""
security_group_rule:
  description: The rule (C(null) when absent); in check mode, the would-be rule.
  type: dict
  returned: always
  sample: {"id": "c3d4...", "security_group_id": "a1b2...", "direction": "ingress", "ether_type": "IPv4",
           "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
           "remote_ip_prefix": "172.29.236.0/24", "remote_group_id": null}
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

#: IP protocol names neutron knows, with their numbers.
PROTOCOLS = {
    "ah": 51,
    "dccp": 33,
    "egp": 8,
    "esp": 50,
    "gre": 47,
    "icmp": 1,
    "icmpv6": 58,
    "igmp": 2,
    "ipip": 4,
    "ipv6-encap": 41,
    "ipv6-frag": 44,
    "ipv6-icmp": 58,
    "ipv6-nonxt": 59,
    "ipv6-opts": 60,
    "ipv6-route": 43,
    "ospf": 89,
    "pgm": 113,
    "rsvp": 46,
    "sctp": 132,
    "tcp": 6,
    "udp": 17,
    "udplite": 136,
    "vrrp": 112,
}
#: Protocols whose rules have a port range (the others' range is an ICMP type and code, or none).
PORT_PROTOCOLS = {6, 17, 33, 132, 136}
ICMP = 1
ICMPV6 = 58
ALL_PORTS = (1, 65535)

#: The attributes that identify a rule (description does not).
IDENTITY = (
    "direction",
    "ethertype",
    "protocol",
    "port_range_min",
    "port_range_max",
    "remote_ip_prefix",
    "remote_group_id",
    "remote_address_group_id",
)


def protocol_number(value, ethertype):
    """A protocol as compared: its number (a name unknown here stays a name), ``None`` for any;
    ICMP in an IPv6 rule is ICMPv6, as neutron stores it."""
    if value is None or str(value).strip().lower() in ("", "any"):
        return None
    text = str(value).strip().lower()
    number = int(text) if text.isdigit() else PROTOCOLS.get(text, text)
    return ICMPV6 if number == ICMP and ethertype == "IPv6" else number


def prefix(value):
    """A CIDR as neutron stores it (host bits cleared)."""
    if value is None:
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False).compressed
    except ValueError:
        raise StackwrightError(f"remote_ip_prefix {value!r} is not a CIDR") from None


def identity(rule):
    """The comparable identity of a rule, from its module-visible attributes."""
    ethertype = rule.get("ethertype") or "IPv4"
    protocol = protocol_number(rule.get("protocol"), ethertype)
    ports = (rule.get("port_range_min"), rule.get("port_range_max"))
    if protocol in PORT_PROTOCOLS and ports == ALL_PORTS:
        ports = (None, None)
    remote = prefix(rule.get("remote_ip_prefix"))
    if remote is not None and ipaddress.ip_network(remote).prefixlen == 0:
        remote = None
    return (
        rule.get("direction"),
        ethertype,
        protocol,
        *ports,
        remote,
        rule.get("remote_group_id"),
        rule.get("remote_address_group_id"),
    )


def find_group(conn, group, project):
    """The security group named (or with id) ``group``, in ``project`` (or the token's) first."""
    scope = project or getattr(conn, "current_project_id", None)
    found = find_one(conn.network, "security_group", group, project_id=scope) if scope else None
    return found or find_one(conn.network, "security_group", group, required=True)


class SecurityGroupRuleModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        security_group=dict(type="str", required=True),
        project=dict(type="str"),
        direction=dict(type="str", choices=["ingress", "egress"], default="ingress"),
        ethertype=dict(type="str", choices=["IPv4", "IPv6"]),
        protocol=dict(type="str"),
        port_range_min=dict(type="int"),
        port_range_max=dict(type="int"),
        remote_ip_prefix=dict(type="str"),
        remote_group=dict(type="str"),
        description=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module_kwargs: ClassVar[dict] = dict(mutually_exclusive=[("remote_ip_prefix", "remote_group")])
    spec = ResourceSpec(
        service="network",
        kind="security_group_rule",
        attributes={
            "security_group_id": "security_group_id",
            "direction": "direction",
            "ethertype": "ether_type",
            "protocol": "protocol",
            "port_range_min": "port_range_min",
            "port_range_max": "port_range_max",
            "remote_ip_prefix": "remote_ip_prefix",
            "remote_group_id": "remote_group_id",
            "remote_address_group_id": "remote_address_group_id",
            "description": "description",
        },
        key=None,
    )

    def desired(self):
        p = self.params
        project = project_id(self.conn, p["project"])
        group = find_group(self.conn, p["security_group"], project).id
        remote = prefix(p["remote_ip_prefix"])
        version = remote and f"IPv{ipaddress.ip_network(remote).version}"
        if version and p["ethertype"] and version != p["ethertype"]:
            raise StackwrightError(f"remote_ip_prefix {remote} is not an {p['ethertype']} range")
        ethertype = p["ethertype"] or version or "IPv4"
        protocol = p["protocol"].strip().lower() if p["protocol"] else None
        if protocol in ("", "any"):
            protocol = None
        low, high = p["port_range_min"], p["port_range_max"]
        if high is None and low is not None and protocol_number(protocol, ethertype) in PORT_PROTOCOLS:
            high = low
        if (low is not None or high is not None) and protocol is None:
            raise StackwrightError("a port range needs a protocol")
        remote_group = p["remote_group"]
        return {
            "security_group_id": group,
            "direction": p["direction"],
            "ethertype": ethertype,
            "protocol": protocol,
            "port_range_min": low,
            "port_range_max": high,
            "remote_ip_prefix": remote,
            "remote_group_id": remote_group and find_group(self.conn, remote_group, project).id,
            "remote_address_group_id": None,
            "description": p["description"],
        }

    def label(self, desired):
        rule = identity(desired)
        return f"the {rule[0]} {rule[1]} rule of security group {self.params['security_group']!r}"

    def find(self, desired):
        wanted = identity(desired)
        for rule in self.proxy.security_group_rules(security_group_id=desired["security_group_id"]):
            if identity(self.view(rule)) == wanted:
                return rule
        return None

    def changes(self, resource, current, desired):
        return {}  # found by all its identifying attributes: a rule never changes in place


def main():
    SecurityGroupRuleModule()()


if __name__ == "__main__":
    main()
