#!/usr/bin/python
"""Module: lists of nova resources."""

from __future__ import annotations

DOCUMENTATION = r"""
module: compute_info
author: stackwright developers
short_description: List nova flavors, key pairs, servers, server groups or hypervisors
description:
  - Lists one kind of nova (compute v2) resource, filtered by the API's query parameters and,
    with I(name), to the ones with that exact name or id.
options:
  resource:
    description: What to list. C(hypervisors) needs the admin role.
    type: str
    required: true
    choices: [flavors, keypairs, servers, server_groups, hypervisors]
  name:
    description:
      - Only the resources with this exact name or id (several servers or server groups may
        share a name). Nothing matching gives an empty list.
    type: str
  filters:
    description:
      - Query parameters of the list, by the SDK's names; for instance C(is_public), C(min_ram),
        C(min_disk), C(get_extra_specs) (flavors; their extra specs come with them from compute
        API 2.61 on), C(user_id) (keypairs), C(status), C(image), C(flavor),
        C(all_projects), C(project_id), C(tags) (servers), C(all_projects) (server groups),
        C(hypervisor_hostname_pattern) (hypervisors).
      - An unknown parameter fails, naming the ones accepted.
    type: dict
    default: {}
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.info
"""

EXAMPLES = r"""
- name: The servers of the demo project that are stopped
  stackwright.cloud.compute_info:
    cloud: demo
    resource: servers
    filters:
      status: SHUTOFF
  register: stopped

- name: One flavor
  stackwright.cloud.compute_info:
    cloud: admin
    resource: flavors
    name: m1.small

- name: Every hypervisor
  stackwright.cloud.compute_info:
    cloud: admin
    resource: hypervisors
"""

RETURN = r"""
items:
  description: The resources listed, as dicts.
  type: list
  elements: dict
  returned: always
  sample: [{"id": "6b0c...", "name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20, "extra_specs": {}}]
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.info import InfoModule, Listing

#: nova's server name filter is a regular expression: the exact match is kept afterwards.
LISTINGS = {
    "flavors": Listing("compute", "flavors", "get_flavor"),
    "keypairs": Listing("compute", "keypairs", "get_keypair"),
    "servers": Listing("compute", "servers", "get_server", name_filter=True),
    "server_groups": Listing("compute", "server_groups", "get_server_group"),
    "hypervisors": Listing("compute", "hypervisors", "get_hypervisor", defaults={"details": True}),
}


class ComputeInfoModule(InfoModule):
    LISTINGS: ClassVar[dict] = LISTINGS


def main():
    ComputeInfoModule()()


if __name__ == "__main__":
    main()
