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
  - stackwright.cloud.openstack.info
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

from ansible_collections.stackwright.cloud.plugins.module_utils.info import InfoModule, Listing


class ImageInfoModule(InfoModule):
    # glance's name filter is an exact match
    LISTINGS: ClassVar[dict] = {"images": Listing("image", "images", "get_image", name_filter=True)}


def main():
    ImageInfoModule()()


if __name__ == "__main__":
    main()
