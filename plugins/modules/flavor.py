#!/usr/bin/python
"""Module: a nova flavor."""

from __future__ import annotations

DOCUMENTATION = r"""
module: flavor
author: stackwright developers
short_description: A nova flavor
description:
  - Creates, updates or deletes a nova (compute v2) flavor, found by name (or id).
  - Only I(description) and I(extra_specs) change in place; nova fixes every other attribute at
    creation, so a differing one fails (delete the flavor first, or use another name).
options:
  name:
    description: Name (or id, to find an existing one) of the flavor.
    type: str
    required: true
  flavor_id:
    description: Id of a new flavor (nova makes up a UUID when unset). Fixed at creation.
    type: str
  vcpus:
    description: Virtual CPUs. Required to create the flavor; fixed at creation.
    type: int
  ram:
    description: Memory in MiB. Required to create the flavor; fixed at creation.
    type: int
  disk:
    description:
      - Root disk size in GiB (C(0) sizes it by the image). Fixed at creation; nova's default is C(0).
    type: int
  ephemeral:
    description: Ephemeral disk size in GiB. Fixed at creation.
    type: int
  swap:
    description: Swap disk size in MiB. Fixed at creation.
    type: int
  is_public:
    description:
      - Whether every project may use the flavor (nova's default is C(true)). Fixed at creation.
    type: bool
  description:
    description: Description (compute API 2.55 or later).
    type: str
  extra_specs:
    description:
      - Extra specs (C(hw:cpu_policy), C(hw:mem_page_size), C(trait:...), C(resources:...)).
      - Only the keys given are compared and set; a key given with a C(null) value is removed;
        the other keys of the flavor are left alone. Values are sent as strings (C(true) as
        C("true")).
    type: dict
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: A small flavor with dedicated CPUs
  stackwright.cloud.flavor:
    cloud: admin
    name: m1.small
    vcpus: 1
    ram: 2048
    disk: 20
    description: One dedicated CPU
    extra_specs:
      hw:cpu_policy: dedicated
      hw:mem_page_size: large

- name: Drop one extra spec, keep the others
  stackwright.cloud.flavor:
    cloud: admin
    name: m1.small
    vcpus: 1
    ram: 2048
    extra_specs:
      hw:mem_page_size: null

- name: Gone
  stackwright.cloud.flavor:
    cloud: admin
    name: m1.old
    state: absent
"""

RETURN = r"""
flavor:
  description: The flavor with its extra specs (C(null) when absent); in check mode, the would-be flavor.
  type: dict
  returned: always
  sample:
    id: 6b0c2c1e-3f4a-4a5e-9d0b-2f8c5a3e7d11
    name: m1.small
    vcpus: 1
    ram: 2048
    disk: 20
    ephemeral: 0
    swap: 0
    is_public: true
    description: One dedicated CPU
    extra_specs: {"hw:cpu_policy": "dedicated"}
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import StackwrightError
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    as_text,
    current_items,
    find_one,
    wanted_items,
)


class FlavorModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        flavor_id=dict(type="str"),
        vcpus=dict(type="int"),
        ram=dict(type="int"),
        disk=dict(type="int"),
        ephemeral=dict(type="int"),
        swap=dict(type="int"),
        is_public=dict(type="bool"),
        description=dict(type="str"),
        extra_specs=dict(type="dict"),
    )
    spec = ResourceSpec(
        service="compute",
        kind="flavor",
        attributes={
            "name": "name",
            "flavor_id": "id",
            "vcpus": "vcpus",
            "ram": "ram",
            "disk": "disk",
            "ephemeral": "ephemeral",
            "swap": "swap",
            "is_public": "is_public",
            "description": "description",
            "extra_specs": "extra_specs",
        },
        updatable=("description", "extra_specs"),
    )

    def desired(self):
        p = self.params
        values = {k: p[k] for k in self.spec.attributes if k != "extra_specs"}
        values["extra_specs"] = wanted_items(p["extra_specs"])
        return values

    def find(self, desired):
        flavor = find_one(self.proxy, "flavor", desired["name"])
        if flavor is None and not self.absent:
            missing = [k for k in ("vcpus", "ram") if desired.get(k) is None]
            if missing:
                raise StackwrightError(
                    f"flavor {desired['name']!r} does not exist: set {' and '.join(missing)} to create it"
                )
        if flavor is not None and self.params["extra_specs"] is not None and not flavor.extra_specs:
            # Before compute API 2.61 the flavor does not carry its extra specs.
            flavor = self.proxy.fetch_flavor_extra_specs(flavor)
        return flavor

    def view(self, resource):
        self._current_specs = {k: as_text(v) for k, v in (resource.extra_specs or {}).items()}
        current = super().view(resource)
        current["extra_specs"] = current_items(resource.extra_specs, self.params["extra_specs"])
        return current

    def to_sdk(self, values):
        attrs = super().to_sdk(values)
        if attrs.get("extra_specs") is not None:
            # The whole set of extra specs the flavor ends up with: what it has, minus the keys
            # given as null, plus the keys given with a value.
            removed = {k for k, v in self.params["extra_specs"].items() if v is None}
            kept = {k: v for k, v in getattr(self, "_current_specs", {}).items() if k not in removed}
            attrs["extra_specs"] = {**kept, **attrs["extra_specs"]}
        return attrs

    def create(self, attrs):
        attrs = dict(attrs)
        specs = attrs.pop("extra_specs", None)
        flavor = self.proxy.create_flavor(**attrs)
        if specs:
            flavor = self.proxy.create_flavor_extra_specs(flavor, specs)
        return flavor

    def update(self, resource, attrs):
        if "extra_specs" in attrs:
            current, wanted = getattr(self, "_current_specs", {}), attrs["extra_specs"]
            changed = {k: v for k, v in wanted.items() if current.get(k) != v}
            if changed:
                self.proxy.create_flavor_extra_specs(resource, changed)
            for key in sorted(set(current) - set(wanted)):
                self.proxy.delete_flavor_extra_specs_property(resource, key)
        if "description" in attrs:
            # By id: the fetched object carries its extra specs as changed attributes, which the
            # SDK would send along (nova refuses a flavor update with extra_specs).
            self.proxy.update_flavor(resource.id, description=attrs["description"])
        return self.proxy.get_flavor(resource.id, get_extra_specs=True)


def main():
    FlavorModule()()


if __name__ == "__main__":
    main()
