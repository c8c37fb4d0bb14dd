#!/usr/bin/python
"""Module: a cinder volume."""

from __future__ import annotations

DOCUMENTATION = r"""
module: volume
author: stackwright developers
short_description: A cinder (block storage v3) volume
description:
  - Creates, grows, updates or deletes a cinder volume, found by name (or id) in the project of
    the token, or in I(project) for an administrator.
  - A volume only grows; asking for a smaller I(size) fails. I(volume_type), I(image),
    I(snapshot) and I(availability_zone) are fixed at creation; a differing one fails (retyping
    and moving a volume are not done by this module).
  - With I(wait), creation waits for the volume to be C(available), growing waits for the new
    size, and deletion waits until the volume is gone; a volume that ends in an C(error) status
    fails the task, naming it.
options:
  name:
    description: Name (or id, to find an existing one) of the volume.
    type: str
    required: true
  project:
    description:
      - Project (name or id) whose volume it is, for an administrator managing another project's
        volumes (looked up across projects). Cinder creates a volume in the token's project only,
        so a missing volume of another project cannot be created (the module fails, saying so).
      - Unset, the token's project.
    type: str
  project_domain:
    description: Domain (name or id) to look I(project) up in.
    type: str
  size:
    description:
      - Size in GiB. Required to create an empty volume or one from an image (a volume from a
        snapshot takes the snapshot's size when unset).
      - A larger size than the volume's extends it (in place, attached or not); a smaller one fails.
    type: int
  volume_type:
    description: Volume type (name or id); the cloud's default type when unset. Fixed at creation.
    type: str
  image:
    description: Image (name or id) to create the volume from (a bootable volume). Fixed at creation.
    type: str
  snapshot:
    description: Volume snapshot (name or id) to create the volume from. Fixed at creation.
    type: str
  availability_zone:
    description: Availability zone of the volume. Fixed at creation.
    type: str
  description:
    description: Description.
    type: str
  metadata:
    description:
      - Metadata of the volume. Only the keys given are compared and set (values as strings);
        other keys are left as they are.
    type: dict
  bootable:
    description: Whether the volume is flagged bootable (cinder sets it for a volume made from an image).
    type: bool
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: A data volume
  stackwright.cloud.volume:
    cloud: demo
    name: db-data
    size: 20
    metadata:
      role: database

- name: Grow it (a volume never shrinks)
  stackwright.cloud.volume:
    cloud: demo
    name: db-data
    size: 40

- name: A boot volume from the guest image
  stackwright.cloud.volume:
    cloud: demo
    name: web-boot
    image: stackwright-guest
    size: 2
    volume_type: rbd

- name: Gone (waits until cinder has deleted it)
  stackwright.cloud.volume:
    cloud: demo
    name: db-data
    state: absent
"""

RETURN = r"""
volume:
  description: The volume (C(null) when absent); in check mode, the would-be volume.
  type: dict
  returned: always
  sample: {"id": "5c1d...", "name": "db-data", "size": 20, "status": "available",
           "volume_type": "rbd", "is_bootable": false, "metadata": {"role": "database"}}
"""

import time
from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    sdk_exceptions,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    find_one,
    image_id,
    match_one,
    project_id,
    resolve_id,
)

#: Statuses in which cinder accepts an extend, a metadata or a bootable change.
SETTLED = ("available", "in-use")


class VolumeModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        project=dict(type="str"),
        project_domain=dict(type="str"),
        size=dict(type="int"),
        volume_type=dict(type="str"),
        image=dict(type="str"),
        snapshot=dict(type="str"),
        availability_zone=dict(type="str"),
        description=dict(type="str"),
        metadata=dict(type="dict"),
        bootable=dict(type="bool"),
    )
    module_kwargs: ClassVar[dict] = dict(mutually_exclusive=[("image", "snapshot")])
    spec = ResourceSpec(
        service="block_storage",
        kind="volume",
        attributes={
            "name": "name",
            "project_id": "project_id",
            "size": "size",
            "volume_type": "volume_type",
            "image_id": "image_id",
            "snapshot_id": "snapshot_id",
            "availability_zone": "availability_zone",
            "description": "description",
            "metadata": "metadata",
            "bootable": "is_bootable",
        },
        updatable=("size", "description", "metadata", "bootable"),
        scope=("project_id",),
    )
    #: Seconds between two polls of a volume being extended, attached...
    poll_interval: ClassVar[float] = 2

    # --- hooks ------------------------------------------------------------------------------
    def desired(self):
        p = self.params
        wanted = {k: None for k in self.spec.attributes}
        wanted["name"] = p["name"]
        wanted["project_id"] = project_id(self.conn, p["project"], p["project_domain"])
        if self.absent:
            return wanted
        if p["size"] is not None and p["size"] < 1:
            raise StackwrightError(f"size must be at least 1 GiB, not {p['size']}")
        volume_type = p["volume_type"]
        if volume_type is not None:  # the volume shows its type by name
            volume_type = find_one(self.proxy, "type", volume_type, required=True).name
        metadata = p["metadata"]
        if metadata is not None:
            metadata = {str(k): v if isinstance(v, str) else str(v) for k, v in metadata.items()}
        wanted.update(
            size=p["size"],
            volume_type=volume_type,
            image_id=image_id(self.conn, p["image"]),
            snapshot_id=resolve_id(self.conn, "block_storage", "snapshot", p["snapshot"]),
            availability_zone=p["availability_zone"],
            description=p["description"],
            metadata=metadata,
            bootable=p["bootable"],
        )
        return wanted

    def own_project(self) -> str | None:
        return getattr(self.conn, "current_project_id", None)

    def find(self, desired):
        wanted_project = desired["project_id"]
        if wanted_project is None or wanted_project == self.own_project():
            return find_one(self.proxy, "volume", desired["name"])
        # Another project's volume (an administrator): look across projects, keep that project's.
        candidates = [
            v
            for v in self.proxy.volumes(all_projects=True, project_id=wanted_project)
            if v.project_id == wanted_project
        ]
        try:
            return match_one(candidates, desired["name"], "volume")
        except sdk_exceptions.DuplicateResource:
            raise StackwrightError(
                f"several volumes are named {desired['name']!r} in project {wanted_project}: give an id"
            ) from None
        except sdk_exceptions.NotFoundException:
            if not self.absent:
                raise StackwrightError(
                    f"volume {desired['name']!r} does not exist in project {self.params['project']!r}, and "
                    "cinder creates volumes in the token's project only: use credentials scoped to "
                    "that project to create it"
                ) from None
            return None

    def view(self, resource):
        current = super().view(resource)
        # Cinder does not return imageRef: a volume made from an image names it in its image metadata.
        current["image_id"] = (resource.volume_image_metadata or {}).get("image_id")
        wanted = self.params["metadata"] or {}
        current["metadata"] = {k: (resource.metadata or {}).get(k) for k in wanted} or None
        return current

    def changes(self, resource, current, desired):
        status = resource.status or ""
        if status.startswith("error"):
            raise StackwrightError(
                f"volume {resource.name!r} ({resource.id}) is in status {status}: delete it "
                "(state=absent) and create it again"
            )
        changes = super().changes(resource, current, desired)
        # Found within the project asked for; non-administrators do not even see a volume's project.
        changes.pop("project_id", None)
        if "size" in changes and current["size"] is not None and changes["size"] < current["size"]:
            raise StackwrightError(
                f"volume {resource.name!r} is {current['size']} GiB and cannot shrink to "
                f"{changes['size']} GiB: cinder only extends volumes (create a smaller one and copy the data)"
            )
        if "volume_type" in changes:
            raise StackwrightError(
                f"volume {resource.name!r} is of type {current['volume_type']!r}, not "
                f"{changes['volume_type']!r}: this module does not retype volumes (cinder's retype "
                "may migrate the data); retype it yourself or create a new volume"
            )
        return changes

    def create(self, attrs):
        attrs = dict(attrs)
        attrs.pop("project_id", None)  # the token's project (checked by find)
        bootable = attrs.pop("is_bootable", None)
        volume = self.proxy.create_volume(**attrs)
        if bootable is not None:  # not a create attribute: set once the volume is available
            volume = self.wait_available(volume, "created")
            if bool(volume.is_bootable) != bootable:
                self.proxy.set_volume_bootable_status(volume, bootable)
                volume = self.proxy.get_volume(volume.id)
        return volume

    def wait_for_create(self, resource):
        return self.wait_available(resource, "created")

    def update(self, resource, attrs):
        if "size" in attrs or "is_bootable" in attrs:
            resource = self.settled(resource)
        if "description" in attrs:
            self.proxy.update_volume(resource, description=attrs["description"])
        if "metadata" in attrs:
            self.proxy.set_volume_metadata(resource, **attrs["metadata"])
        if "is_bootable" in attrs:
            self.proxy.set_volume_bootable_status(resource, attrs["is_bootable"])
        if "size" in attrs:
            self.proxy.extend_volume(resource, attrs["size"])
            if self.wait:
                return self.wait_extended(resource, attrs["size"])
        return self.proxy.get_volume(resource.id)

    def delete(self, resource):
        self.proxy.delete_volume(resource, ignore_missing=True)

    def wait_for_delete(self, resource):
        try:
            self.poll(resource, lambda v: False, "deleted")  # error_deleting fails, naming it
        except sdk_exceptions.NotFoundException:
            return

    # --- waiting ----------------------------------------------------------------------------
    def failed(self, volume, doing: str) -> StackwrightError:
        return StackwrightError(
            f"volume {volume.name!r} ({volume.id}) went into status {volume.status} while being "
            f"{doing}; cinder's volume service log, or `openstack volume message list`, says why"
        )

    def wait_available(self, volume, doing: str):
        """The volume once ``available``; a volume in an error status fails, naming it."""
        try:
            return self.proxy.wait_for_status(
                volume, status="available", failures=["error"], interval=self.poll_interval, wait=self.timeout
            )
        except sdk_exceptions.ResourceFailure:
            raise self.failed(self.proxy.get_volume(volume.id), doing) from None

    def poll(self, volume, done, doing: str):
        """Fetch the volume until ``done(volume)``; an error status fails; so does the timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            volume = self.proxy.get_volume(volume.id)
            if (volume.status or "").startswith("error"):
                raise self.failed(volume, doing)
            if done(volume):
                return volume
            if time.monotonic() >= deadline:
                raise StackwrightError(
                    f"volume {volume.name!r} ({volume.id}) still {volume.status} after {self.timeout} s "
                    f"of waiting for it to be {doing}; raise timeout"
                )
            time.sleep(self.poll_interval)

    def settled(self, volume):
        """The volume once available or in use (not creating, extending...), when waiting."""
        if volume.status in SETTLED or not self.wait:
            return volume
        return self.poll(volume, lambda v: v.status in SETTLED, "ready")

    def wait_extended(self, volume, size: int):
        return self.poll(volume, lambda v: v.status in SETTLED and (v.size or 0) >= size, "extended")


def main():
    VolumeModule()()


if __name__ == "__main__":
    main()
