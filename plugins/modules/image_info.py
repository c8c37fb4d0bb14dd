#!/usr/bin/python
"""Module: a list of glance images."""

from __future__ import annotations

DOCUMENTATION = r"""
module: image_info
author: stackwright developers
short_description: List glance images
description:
  - Lists glance (image v2) images, filtered by the API's query parameters and, with I(name),
    to the ones with that exact name or id.
options:
  name:
    description:
      - Only the images with this exact name or id (glance allows several images of one name).
        Nothing matching gives an empty list.
    type: str
  filters:
    description:
      - Query parameters of the list, by the SDK's names; for instance C(visibility), C(status),
        C(owner), C(tag), C(member_status), C(is_hidden), C(size_min), C(size_max),
        C(sort_key), C(sort_dir).
      - An unknown parameter fails, naming the ones accepted.
    type: dict
    default: {}
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
- name: The public images
  stackwright.cloud.image_info:
    cloud: demo
    filters:
      visibility: public
  register: public_images

- name: One image, by name
  stackwright.cloud.image_info:
    cloud: demo
    name: stackwright-guest
"""

RETURN = r"""
items:
  description: The images listed, as dicts.
  type: list
  elements: dict
  returned: always
  sample: [{"id": "0d3c...", "name": "stackwright-guest", "status": "active", "disk_format": "qcow2"}]
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightModule,
    sdk_exceptions,
    to_dict,
)


class ImageInfoModule(StackwrightModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str"),
        filters=dict(type="dict", default={}),
    )

    def run(self):
        name, filters = self.params["name"], dict(self.params["filters"])
        if name:
            filters.setdefault("name", name)  # glance's name filter is an exact match
        items = list(self.conn.image.images(**filters))
        if name:
            items = [i for i in items if name in (i.id, i.name)]
            if not items and not self.params["filters"]:
                try:
                    items = [self.conn.image.get_image(name)]
                except (sdk_exceptions.NotFoundException, sdk_exceptions.BadRequestException):
                    items = []
        return {"changed": False, "items": [to_dict(item) for item in items]}


def main():
    ImageInfoModule()()


if __name__ == "__main__":
    main()
