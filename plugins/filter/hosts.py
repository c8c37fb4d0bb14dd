"""Filters for host-level files."""

from __future__ import annotations

DOCUMENTATION = r"""
name: etc_hosts
author: stackwright developers
short_description: /etc/hosts lines for inventory hosts
description:
  - One line per host, C(<management address> <fqdn> <name>), sorted by address; hosts without a
    management address are left out (validation reports them).
positional: hostvars, domain
options:
  _input:
    description: Inventory host names.
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: dict
    required: true
  domain:
    description: DNS domain appended for the fully qualified name; empty for none.
    type: str
    default: ""
"""

EXAMPLES = r"""
block: "{{ groups['all'] | stackwright.cloud.etc_hosts(hostvars, 'cloud.example') }}"
"""

RETURN = r"""
_value:
  description: The lines joined by newlines.
  type: str
"""

import ipaddress


def etc_hosts(hosts, hostvars, domain=""):
    entries = []
    for host in hosts:
        address = hostvars[host].get("management_address")
        if not address:
            continue
        names = f"{host}.{domain} {host}" if domain else host
        entries.append((ipaddress.ip_address(str(address)), f"{address} {names}"))
    return "\n".join(line for _, line in sorted(entries))


class FilterModule:
    def filters(self):
        return {"etc_hosts": etc_hosts}
