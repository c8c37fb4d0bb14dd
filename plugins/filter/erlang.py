"""Filters for Erlang-based services (RabbitMQ)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: erlang_inet_address
author: stackwright developers
short_description: An IP address as an Erlang inet tuple
description:
  - C(172.29.236.11) becomes C({172,29,236,11}); an IPv6 address becomes its eight 16-bit groups,
    e.g. C({64768,0,0,0,0,0,0,1}) for C(fd00::1). Erlang settings such as
    C(inet_dist_use_interface) take addresses in this form.
options:
  _input:
    description: An IPv4 or IPv6 address.
    type: str
    required: true
"""

EXAMPLES = r"""
args: "-kernel inet_dist_use_interface {{ management_address | stackwright.cloud.erlang_inet_address }}"
"""

RETURN = r"""
_value:
  description: The Erlang tuple, without spaces.
  type: str
"""

import ipaddress

from ansible.errors import AnsibleFilterError


def erlang_inet_address(address):
    try:
        ip = ipaddress.ip_address(str(address).strip())
    except ValueError as exc:
        raise AnsibleFilterError(f"erlang_inet_address: {exc}") from exc
    if ip.version == 4:
        parts = ip.packed
    else:
        packed = ip.packed
        parts = [int.from_bytes(packed[i : i + 2], "big") for i in range(0, 16, 2)]
    return "{" + ",".join(str(p) for p in parts) + "}"


class FilterModule:
    def filters(self):
        return {"erlang_inet_address": erlang_inet_address}
