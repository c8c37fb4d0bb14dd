#!/usr/bin/python
"""Module: a nova server group."""

from __future__ import annotations

DOCUMENTATION = r"""
module: server_group
author: stackwright developers
short_description: A nova server group (affinity or anti-affinity of servers)
description:
  - Creates or deletes a nova server group, found by name (or id). Servers join it at creation
    (the I(server_group) option of M(stackwright.cloud.server)).
  - Nova cannot change a server group, so a differing I(policy) or I(max_server_per_host) fails
    (delete the group first; it must have no servers).
options:
  name:
    description: Name (or id, to find an existing one) of the server group.
    type: str
    required: true
  policy:
    description:
      - C(affinity) puts the group's servers on one host, C(anti-affinity) on different hosts;
        the C(soft-) policies do so when they can. Required to create the group.
    type: str
    choices: [affinity, anti-affinity, soft-affinity, soft-anti-affinity]
  max_server_per_host:
    description:
      - With C(anti-affinity), how many of the group's servers one host may hold (compute API
        2.64 or later; nova's default is C(1)).
    type: int
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: Database servers on different hosts
  stackwright.cloud.server_group:
    cloud: demo
    name: db
    policy: anti-affinity

- name: At most two web servers per host
  stackwright.cloud.server_group:
    cloud: demo
    name: web
    policy: anti-affinity
    max_server_per_host: 2
"""

RETURN = r"""
server_group:
  description: The server group (C(null) when absent); in check mode, the would-be group.
  type: dict
  returned: always
  sample: {"id": "5f0c...", "name": "db", "policy": "anti-affinity", "rules": {}, "member_ids": []}
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import StackwrightError
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    find_one,
)


class ServerGroupModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        policy=dict(type="str", choices=["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"]),
        max_server_per_host=dict(type="int"),
    )
    spec = ResourceSpec(
        service="compute",
        kind="server_group",
        attributes={"name": "name", "policy": "policy", "max_server_per_host": "rules"},
    )

    def find(self, desired):
        group = find_one(self.proxy, "server_group", desired["name"])
        if group is None and not self.absent and not desired["policy"]:
            raise StackwrightError(
                f"server group {desired['name']!r} does not exist: set policy to create it"
            )
        return group

    def view(self, resource):
        # Before compute API 2.64, a group has a list of policies (of one) and no rules.
        policy = resource.policy or next(iter(resource.policies or []), None)
        limit = (resource.rules or {}).get("max_server_per_host")
        return {
            "name": resource.name,
            "policy": policy,
            "max_server_per_host": int(limit) if limit is not None else None,
        }

    def to_sdk(self, values):
        attrs = super().to_sdk(values)
        if attrs.get("rules") is not None:
            attrs["rules"] = {"max_server_per_host": attrs["rules"]}
        return attrs


def main():
    ServerGroupModule()()


if __name__ == "__main__":
    main()
