#!/usr/bin/python
"""Module: lists of cinder volumes, volume types, snapshots or attachments."""

from __future__ import annotations

DOCUMENTATION = r"""
module: volume_info
author: stackwright developers
short_description: List cinder volumes, volume types, snapshots or volume attachments
description:
  - Lists one kind of cinder (block storage v3) resource, filtered by the API's query parameters
    and, with I(name), by name or id.
  - C(attachments) are those of the volumes listed (as cinder shows them on each volume), one
    item per volume and server, with the volume's id and name.
options:
  resource:
    description: What to list.
    type: str
    choices: [volumes, volume_types, snapshots, attachments]
    default: volumes
  name:
    description:
      - Only the resources with this name or id (for C(attachments), the attachments of the
        volumes with this name or id).
    type: str
  filters:
    description:
      - Query parameters of the list, by the SDK's names; for instance C(status), C(metadata)
        (volumes, C(attachments)), C(volume_id) (snapshots), C(is_public) (volume_types).
      - An unknown parameter fails, naming the ones accepted.
    type: dict
    default: {}
  all_projects:
    description: List the resources of every project (an administrator's right); not for C(volume_types).
    type: bool
    default: false
extends_documentation_fragment:
  - stackwright.cloud.openstack
attributes:
  check_mode:
    description: Changes nothing in any mode.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
"""

EXAMPLES = r"""
- name: The volumes in error
  stackwright.cloud.volume_info:
    cloud: demo
    filters:
      status: error
  register: broken

- name: Where db-data is attached
  stackwright.cloud.volume_info:
    cloud: demo
    resource: attachments
    name: db-data
  register: where

- name: The volume types
  stackwright.cloud.volume_info:
    cloud: admin
    resource: volume_types
"""

RETURN = r"""
items:
  description: The resources listed, as dicts.
  type: list
  elements: dict
  returned: always
  sample: [{"id": "5c1d...", "name": "db-data", "size": 20, "status": "in-use", "volume_type": "rbd"}]
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    StackwrightModule,
    to_dict,
)

RESOURCES = ["volumes", "volume_types", "snapshots", "attachments"]


def named(items, name):
    return [i for i in items if name is None or name in (i.id, getattr(i, "name", None))]


class VolumeInfoModule(StackwrightModule):
    argument_spec: ClassVar[dict] = dict(
        resource=dict(type="str", choices=RESOURCES, default="volumes"),
        name=dict(type="str"),
        filters=dict(type="dict", default={}),
        all_projects=dict(type="bool", default=False),
    )

    def run(self):
        p = self.params
        proxy = self.conn.block_storage
        query = dict(p["filters"])
        if p["all_projects"]:
            if p["resource"] == "volume_types":
                raise StackwrightError("all_projects applies to volumes, snapshots and attachments")
            query["all_projects"] = True
        if p["resource"] == "volume_types":
            items = [to_dict(t) for t in named(proxy.types(**query), p["name"])]
        elif p["resource"] == "snapshots":
            items = [to_dict(s) for s in named(proxy.snapshots(**query), p["name"])]
        else:
            volumes = named(proxy.volumes(**query), p["name"])
            if p["resource"] == "volumes":
                items = [to_dict(v) for v in volumes]
            else:
                items = [
                    {**attachment, "volume_id": v.id, "volume_name": v.name}
                    for v in volumes
                    for attachment in v.attachments or []
                ]
        return {"changed": False, "items": items}


def main():
    VolumeInfoModule()()


if __name__ == "__main__":
    main()
