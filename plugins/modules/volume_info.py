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
  - stackwright.cloud.openstack.info
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

from ansible_collections.stackwright.cloud.plugins.module_utils.info import InfoModule, Listing
from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import StackwrightError, to_dict

LISTINGS = {
    "volumes": Listing("block_storage", "volumes", "get_volume"),
    "volume_types": Listing("block_storage", "types", "get_type"),
    "snapshots": Listing("block_storage", "snapshots", "get_snapshot"),
}


class VolumeInfoModule(InfoModule):
    LISTINGS: ClassVar[dict] = LISTINGS
    argument_spec: ClassVar[dict] = dict(
        InfoModule.argument_spec,
        resource=dict(type="str", choices=[*LISTINGS, "attachments"], default="volumes"),
        all_projects=dict(type="bool", default=False),
    )

    def run(self):
        p = self.params
        kind = "volumes" if p["resource"] == "attachments" else p["resource"]
        extra = {}
        if p["all_projects"]:
            if kind == "volume_types":
                raise StackwrightError("all_projects applies to volumes, snapshots and attachments")
            extra["all_projects"] = True
        found = self.listed(kind, p["name"], **extra)
        if p["resource"] != "attachments":
            return {"changed": False, "items": [to_dict(i) for i in found]}
        items = [
            {**attachment, "volume_id": v.id, "volume_name": v.name}
            for v in found
            for attachment in v.attachments or []
        ]
        return {"changed": False, "items": items}


def main():
    VolumeInfoModule()()


if __name__ == "__main__":
    main()
