"""Filters on network addresses."""

from __future__ import annotations

DOCUMENTATION = r"""
name: address_mask
author: stackwright developers
short_description: A CIDR as C(network/netmask), the form MariaDB account hosts use
description:
  - C('172.29.236.0/24' | stackwright.cloud.address_mask) gives C(172.29.236.0/255.255.255.0).
options:
  _input:
    description: A network in CIDR form.
    type: str
    required: true
"""

EXAMPLES = r"""
host: "{{ stackwright_networks.management.cidr | stackwright.cloud.address_mask }}"
"""

RETURN = r"""
_value:
  description: network/netmask.
  type: str
"""

import ipaddress


def address_mask(cidr):
    net = ipaddress.ip_network(str(cidr), strict=False)
    return f"{net.network_address}/{net.netmask}"


def nth_address(cidr, index):
    """The INDEX-th address of a network (negative: from its end; -1 is the broadcast address)."""
    net = ipaddress.ip_network(str(cidr), strict=False)
    return str(net[int(index)])


class FilterModule:
    def filters(self):
        return {"address_mask": address_mask, "nth_address": nth_address}
