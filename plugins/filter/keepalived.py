"""Filters for keepalived: VRRP instances from the inventory's VIPs and a host's interfaces."""

from __future__ import annotations

DOCUMENTATION = r"""
name: vrrp_instances
author: stackwright developers
short_description: The VRRP instances a host runs for the deployment's VIPs
description:
  - One instance per network that carries a VIP, holding every VIP of that network. The network
    is the one of C(stackwright_networks) whose CIDR contains the VIP; the instance runs on the
    interface that carries the host's own address on that network (C(<network>_address)), found
    in the host's facts, so interface names do not matter.
  - Peers are the other cluster members' addresses on that network (unicast VRRP).
  - Fails, naming host and network, when a VIP is in no declared network, a member has no
    address on a VIP's network, or no interface of the host carries its address.
positional: networks, host, hostvars, members, facts, router_ids
options:
  _input:
    description: VIP addresses; empty entries and duplicates are ignored.
    type: list
    elements: str
    required: true
  networks:
    description: C(stackwright_networks), network name to a mapping with C(cidr).
    type: dict
    required: true
  host:
    description: The host the instances are for (C(inventory_hostname)).
    type: str
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: dict
    required: true
  members:
    description: Every host of the VRRP cluster, the host included.
    type: list
    elements: str
    required: true
  facts:
    description: The host's C(ansible_facts) with the network subset.
    type: dict
    required: true
  router_ids:
    description: Network name to VRRP virtual router id (1-255).
    type: dict
    required: true
"""

EXAMPLES = r"""
_keepalived_instances: >-
  {{ ['172.29.236.10'] | stackwright.cloud.vrrp_instances(stackwright_networks, inventory_hostname,
     hostvars, groups['control'], ansible_facts, {'management': 51}) }}
"""

RETURN = r"""
_value:
  description: >-
    Instances sorted by network: C(name) (the network), C(interface), C(address) (the host's own,
    the unicast source), C(peers), C(vips) and C(virtual_router_id).
  type: list
  elements: dict
"""

import ipaddress

from ansible.errors import AnsibleFilterError


def _interface_with(address, facts):
    """The interface whose primary or secondary IPv4 address is ADDRESS, or None."""
    for name in facts.get("interfaces", []):
        data = facts.get(name.replace("-", "_").replace(".", "_"), {}) or {}
        ipv4 = [data.get("ipv4") or {}, *(data.get("ipv4_secondaries") or [])]
        if any(str(entry.get("address")) == address for entry in ipv4):
            return data.get("device", name)
    return None


def _network_of(vip, networks):
    ip = ipaddress.ip_address(str(vip))
    for name, spec in networks.items():
        if ip in ipaddress.ip_network(str(spec["cidr"]), strict=False):
            return name
    raise AnsibleFilterError(f"VIP {vip} is in none of the networks declared in stackwright_networks")


# Jinja passes filter arguments by position.
def vrrp_instances(vips, networks, host, hostvars, members, facts, router_ids):  # noqa: PLR0917
    by_network: dict[str, list[str]] = {}
    for vip in vips:
        if vip in (None, ""):
            continue
        entry = by_network.setdefault(_network_of(vip, networks), [])
        if str(vip) not in entry:
            entry.append(str(vip))
    instances = []
    for network in sorted(by_network):
        var = f"{network}_address"
        addresses = {}
        for member in members:
            address = hostvars[member].get(var)
            if not address:
                raise AnsibleFilterError(
                    f"host '{member}' has no {var}, but it runs keepalived for the VIP(s) "
                    f"{', '.join(by_network[network])} on network '{network}': give it an address there"
                )
            addresses[member] = str(address)
        interface = _interface_with(addresses[host], facts)
        if interface is None:
            raise AnsibleFilterError(
                f"host '{host}' has no interface with its {var} {addresses[host]}: "
                "configure that address on the host (or gather the network facts)"
            )
        if network not in router_ids:
            raise AnsibleFilterError(f"no VRRP virtual router id for network '{network}'")
        instances.append(
            {
                "name": network,
                "interface": interface,
                "address": addresses[host],
                "peers": [addresses[m] for m in members if m != host],
                "vips": by_network[network],
                "virtual_router_id": int(router_ids[network]),
            }
        )
    return instances


def vrrp_priority(host, members, highest=150, step=10):
    """The host's VRRP priority: HIGHEST for the first member, STEP less for each next one (>= 1)."""
    if host not in members:
        raise AnsibleFilterError(f"host '{host}' is not a member of the VRRP cluster {members}")
    return max(1, int(highest) - int(step) * list(members).index(host))


class FilterModule:
    def filters(self):
        return {"vrrp_instances": vrrp_instances, "vrrp_priority": vrrp_priority}
