#!/usr/bin/python
"""Module: a glance image."""

from __future__ import annotations

DOCUMENTATION = r"""
module: image
author: stackwright developers
short_description: A glance image, uploaded from a file and checked against it
description:
  - Creates, updates or deletes a glance (image v2) image, found by name (or id); uploads its
    data from a local I(file) of the host running the module.
  - The file's checksums are computed locally (MD5, SHA-256, SHA-512, and glance's hash
    algorithm if another). After an upload, the image's C(checksum) and C(os_hash_value) must
    match them, or the image is deleted and the module fails. An existing image whose data
    differs from the file fails, unless I(force) replaces it.
  - I(min_disk), I(min_ram), I(visibility), I(protected), I(tags), I(properties) and I(members)
    change in place; I(disk_format), I(container_format) and the data are fixed at creation.
options:
  name:
    description: Name (or id, to find an existing one) of the image.
    type: str
    required: true
  file:
    description:
      - The image data, a file on the host running the module. Unset, a new image is created
        without data (C(queued)) and an existing one's data is not compared.
    type: path
  force:
    description:
      - Replace (delete and create again) an existing image whose data differs from I(file), or
        whose I(disk_format) or I(container_format) differs, instead of failing.
    type: bool
    default: false
  use_import:
    description:
      - Upload through glance's interoperable import (C(glance-direct)) instead of a direct
        upload; glance then processes the data (format conversion...) asynchronously, and the
        module waits for C(active) when I(wait) is true.
    type: bool
    default: false
  disk_format:
    description: Format of the disk (the cloud's default, usually C(qcow2), when unset). Fixed at creation.
    type: str
    choices: [raw, qcow2, vmdk, vdi, vhd, vhdx, iso, ploop, aki, ari, ami]
  container_format:
    description: Container format (C(bare) when unset). Fixed at creation.
    type: str
    choices: [bare, ovf, ova, docker, compressed, aki, ari, ami]
  min_disk:
    description: Minimum root disk, in GiB, to boot the image.
    type: int
  min_ram:
    description: Minimum memory, in MiB, to boot the image.
    type: int
  visibility:
    description:
      - Who sees the image. C(shared) images are seen by their I(members); C(public) needs the
        admin role. Glance's default for a new image is C(shared).
    type: str
    choices: [private, shared, community, public]
  protected:
    description: Whether the image is protected from deletion.
    type: bool
  tags:
    description: The image's tags, compared as a set; unset, tags are left as they are.
    type: list
    elements: str
  properties:
    description:
      - Extra properties (C(os_distro), C(hw_disk_bus), C(hw_qemu_guest_agent), any key).
        Only the keys given are compared and set; a key given with a C(null) value is removed;
        the image's other properties are left alone. Values are sent as strings.
    type: dict
  members:
    description:
      - Projects (names or ids) the image is shared with, for I(visibility=shared); compared as
        a set (missing members are added, other members removed). A new member sees the image
        once it accepts it (C(openstack image set --accept)).
    type: list
    elements: str
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: The test guest image, public
  stackwright.cloud.image:
    cloud: admin
    name: stackwright-guest
    file: /var/cache/stackwright/guest.qcow2
    disk_format: qcow2
    visibility: public
    min_disk: 1
    properties:
      os_distro: debian
      hw_qemu_guest_agent: "yes"
    tags: [stackwright, test]

- name: A new build of the file replaces the image
  stackwright.cloud.image:
    cloud: admin
    name: stackwright-guest
    file: /var/cache/stackwright/guest.qcow2
    disk_format: qcow2
    force: true

- name: Shared with two projects
  stackwright.cloud.image:
    cloud: admin
    name: licensed-appliance
    visibility: shared
    members: [customer-a, customer-b]

- name: Gone
  stackwright.cloud.image:
    cloud: admin
    name: old-image
    state: absent
"""

RETURN = r"""
image:
  description:
    - The image (C(null) when absent); in check mode, the would-be image. With I(members), also
      C(members), the ids of the projects it is shared with.
  type: dict
  returned: always
  sample:
    id: 0d3c6f0e-...
    name: stackwright-guest
    status: active
    disk_format: qcow2
    container_format: bare
    checksum: 9a0364b9e99bb480dd25e1f0284c8555
    hash_algo: sha512
    hash_value: 0e3e75234abc68f4378a86b3f4b32a198ba301845b0cd6e50106e874345700cc...
    size: 21430272
    visibility: public
    is_protected: false
    tags: [stackwright, test]
    properties: {"os_distro": "debian"}
"""

import hashlib
import os
import tempfile
from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    sdk_exceptions,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    as_text,
    current_items,
    project_id,
    wanted_items,
)

#: Hashes computed for every upload: MD5 and SHA-256 (recorded by openstacksdk in the image's
#: owner_specified.openstack.* properties), SHA-512 (glance's default os_hash_algo).
HASHES = ("md5", "sha256", "sha512")
#: Image attributes that properties must not set.
RESERVED = frozenset(
    {
        "id", "name", "status", "visibility", "protected", "tags", "min_disk", "min_ram",
        "disk_format", "container_format", "checksum", "size", "virtual_size", "owner",
        "created_at", "updated_at", "file", "schema", "self", "locations", "direct_url",
        "os_hash_algo", "os_hash_value", "os_hidden", "stores",
    }
)  # fmt: skip
#: SDK attribute -> image API attribute, for the attributes changed by a JSON patch.
PATCHED = {
    "min_disk": "min_disk",
    "min_ram": "min_ram",
    "visibility": "visibility",
    "is_protected": "protected",
    "tags": "tags",
}
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"


def file_hashes(path: str, algorithms=HASHES) -> dict[str, str]:
    """Hex digests of a file, read once."""
    digests = {name: hashlib.new(name, usedforsecurity=False) for name in algorithms}
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            for digest in digests.values():
                digest.update(chunk)
    return {name: digest.hexdigest() for name, digest in digests.items()}


def image_checksum(image) -> str | None:
    """``algorithm:hex`` of an image's data: glance's multihash, else its MD5 checksum."""
    if image.hash_algo and image.hash_value:
        return f"{image.hash_algo}:{image.hash_value}"
    return f"md5:{image.checksum}" if image.checksum else None


def wire_attributes(image) -> dict:
    """An image's attributes by their API names, its extra properties among them (the SDK
    keeps unknown ones under ``properties``, known ones like ``os_distro`` as attributes)."""
    data = image.to_dict(computed=False, original_names=True)
    extra = data.pop("properties", None) or {}
    return {**{k: v for k, v in data.items() if v is not None}, **extra}


def pointer(key: str) -> str:
    """A JSON pointer to a top-level key."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


class ImageModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        file=dict(type="path"),
        force=dict(type="bool", default=False),
        use_import=dict(type="bool", default=False),
        disk_format=dict(
            type="str",
            choices=["raw", "qcow2", "vmdk", "vdi", "vhd", "vhdx", "iso", "ploop", "aki", "ari", "ami"],
        ),
        container_format=dict(
            type="str", choices=["bare", "ovf", "ova", "docker", "compressed", "aki", "ari", "ami"]
        ),
        min_disk=dict(type="int"),
        min_ram=dict(type="int"),
        visibility=dict(type="str", choices=["private", "shared", "community", "public"]),
        protected=dict(type="bool"),
        tags=dict(type="list", elements="str"),
        properties=dict(type="dict"),
        members=dict(type="list", elements="str"),
    )
    spec = ResourceSpec(
        service="image",
        kind="image",
        attributes={
            "name": "name",
            "checksum": "checksum",
            "disk_format": "disk_format",
            "container_format": "container_format",
            "min_disk": "min_disk",
            "min_ram": "min_ram",
            "visibility": "visibility",
            "protected": "is_protected",
            "tags": "tags",
            "properties": "properties",
            "members": "members",
        },
        updatable=("min_disk", "min_ram", "visibility", "protected", "tags", "properties", "members"),
        unordered=("tags", "members"),
    )

    hashes: ClassVar[dict[str, str]] = {}

    # --- what is asked --------------------------------------------------------------------
    def desired(self):
        p = self.params
        if self.absent:
            return {k: (p["name"] if k == "name" else None) for k in self.spec.attributes}
        clash = RESERVED & set(p["properties"] or {})
        if clash:
            raise StackwrightError(
                f"properties may not set the image attributes {sorted(clash)}: use the options"
            )
        if p["members"] and p["visibility"] not in (None, "shared"):
            raise StackwrightError("members need visibility: shared")
        if p["file"]:
            if not os.path.isfile(p["file"]):
                raise StackwrightError(f"file {p['file']} does not exist (on the host running the module)")
            self.hashes = file_hashes(p["file"])
        members = p["members"]
        return {
            "name": p["name"],
            "checksum": f"sha512:{self.hashes['sha512']}" if p["file"] else None,
            "disk_format": p["disk_format"],
            "container_format": p["container_format"],
            "min_disk": p["min_disk"],
            "min_ram": p["min_ram"],
            "visibility": p["visibility"],
            "protected": p["protected"],
            "tags": p["tags"],
            "properties": wanted_items(p["properties"]),
            "members": None if members is None else sorted({project_id(self.conn, m) for m in members}),
        }

    def file_hash(self, algorithm: str) -> str:
        """The file's digest with ``algorithm`` (glance's os_hash_algo), computed if not yet."""
        if algorithm not in self.hashes:
            try:
                self.hashes = {**self.hashes, **file_hashes(self.params["file"], (algorithm,))}
            except ValueError:
                raise StackwrightError(
                    f"glance hashes with {algorithm!r}, which Python here does not know"
                ) from None
        return self.hashes[algorithm]

    # --- what is there ------------------------------------------------------------------------
    def view(self, resource):
        self._wire = wire_attributes(resource)
        self._extra = dict(resource.properties or {})
        self._members = self.member_ids(resource) if self.params["members"] is not None else None
        return {
            "name": resource.name,
            "checksum": image_checksum(resource),
            "disk_format": resource.disk_format,
            "container_format": resource.container_format,
            "min_disk": resource.min_disk,
            "min_ram": resource.min_ram,
            "visibility": resource.visibility,
            "protected": resource.is_protected,
            "tags": list(resource.tags or []),
            "properties": current_items(self._wire, self.params["properties"]),
            "members": self._members,
        }

    def member_ids(self, image) -> list[str]:
        """The projects an image is shared with (only a shared image has members)."""
        if image.visibility != "shared":
            return []
        return sorted(m.member_id for m in self.proxy.members(image))

    def changes(self, resource, current, desired):
        desired = dict(desired)
        if desired["checksum"] and current["checksum"]:
            algorithm = current["checksum"].split(":", 1)[0]
            desired["checksum"] = f"{algorithm}:{self.file_hash(algorithm)}"
        changes = super().changes(resource, current, desired)
        if "checksum" in changes and not self.params["force"]:
            what = f"has other data ({current['checksum']})" if current["checksum"] else "has no data"
            raise StackwrightError(
                f"image {resource.name!r} ({resource.id}) {what} than {self.params['file']} "
                f"({changes['checksum']}); set force: true to replace it"
            )
        visibility = changes.get("visibility", current["visibility"])
        if desired.get("members") and visibility != "shared":
            raise StackwrightError(f"members need visibility: shared (the image is {visibility})")
        return changes

    def recreate_allowed(self):
        if self.params["force"]:
            self._extra = {}  # the new image has none of the old one's properties
        return self.params["force"]

    def to_sdk(self, values):
        attrs = super().to_sdk(values)
        attrs.pop("checksum", None)
        if attrs.get("properties") is not None:
            removed = {k for k, v in self.params["properties"].items() if v is None}
            current = getattr(self, "_extra", {})
            attrs["properties"] = {
                **{k: v for k, v in current.items() if k not in removed},
                **attrs["properties"],
            }
        return attrs

    # --- changing it ----------------------------------------------------------------------------
    def create(self, attrs):
        p = self.params
        attrs = dict(attrs)
        members = attrs.pop("members", None)
        # Everything else goes in the image's body as is (create_image's ``meta``): the
        # properties asked for (not those of an image this one replaces), the attributes.
        attrs.pop("properties", None)
        meta = wanted_items(p["properties"]) or {}
        for sdk_name in ("visibility", "min_disk", "min_ram", "is_protected"):
            if sdk_name in attrs:
                meta[PATCHED[sdk_name]] = attrs.pop(sdk_name)
        options = dict(
            disk_format=attrs.get("disk_format"),
            container_format=attrs.get("container_format"),
            tags=attrs.get("tags"),
            meta=meta,
            allow_duplicates=True,  # the module looked for the image already
            disable_vendor_agent=False,
            validate_checksum=False,  # checked below, against every hash glance gives
            wait=self.wait,
            timeout=self.timeout,
        )
        if p["file"]:
            image = self.proxy.create_image(
                attrs["name"],
                filename=p["file"],
                md5=self.hashes["md5"],
                sha256=self.hashes["sha256"],
                use_import=p["use_import"],
                **options,
            )
            image = self.check_upload(image)
        else:
            # Without data, create_image takes a file named like the image in the current
            # directory for the data: run it where there is none.
            here = os.getcwd()
            with tempfile.TemporaryDirectory() as empty:
                os.chdir(empty)
                try:
                    image = self.proxy.create_image(attrs["name"], **options)
                finally:
                    os.chdir(here)
        for member in members or []:
            self.proxy.add_member(image, member=member)
        return self.proxy.get_image(image.id)

    def check_upload(self, image):
        """The uploaded image, once its data is checked against the file's hashes; a mismatch
        deletes the image and fails."""
        if self.params["use_import"] and self.wait:
            image = self.proxy.wait_for_status(
                image, "active", failures=["killed", "deleted"], wait=self.timeout
            )
        image = self.proxy.get_image(image.id)
        if image.status != "active":
            self.warn(f"image {image.name!r} is {image.status}: its data was not checked against the file")
            return image
        mismatches = []
        if image.checksum and image.checksum != self.hashes["md5"]:
            mismatches.append(f"md5 {image.checksum} (file: {self.hashes['md5']})")
        if image.hash_algo and image.hash_value and image.hash_value != self.file_hash(image.hash_algo):
            mismatches.append(
                f"{image.hash_algo} {image.hash_value} (file: {self.file_hash(image.hash_algo)})"
            )
        if mismatches:
            self.proxy.delete_image(image, ignore_missing=True)
            raise StackwrightError(
                f"the data glance stored for image {image.name!r} does not match {self.params['file']}: "
                f"{'; '.join(mismatches)}. The image was deleted."
            )
        return image

    def update(self, resource, attrs):
        ops = [
            {"op": "replace", "path": pointer(api_name), "value": attrs[sdk_name]}
            for sdk_name, api_name in PATCHED.items()
            if sdk_name in attrs
        ]
        if "properties" in attrs:
            wire = self._wire
            for key, value in (self.params["properties"] or {}).items():
                if value is None:
                    if key in wire:
                        ops.append({"op": "remove", "path": pointer(key)})
                elif wire.get(key) is None or as_text(wire[key]) != as_text(value):
                    op = "replace" if key in wire else "add"
                    ops.append({"op": op, "path": pointer(key), "value": as_text(value)})
        members = attrs.get("members")
        if members is not None:
            # Members leave while the image is still shared, and join once it is.
            for member in sorted(set(self._members) - set(members)):
                self.proxy.remove_member(member, image=resource, ignore_missing=True)
        if ops:
            response = self.proxy.patch(
                f"/images/{resource.id}", json=ops, headers={"Content-Type": PATCH_TYPE}
            )
            sdk_exceptions.raise_from_response(response)
        if members is not None:
            for member in sorted(set(members) - set(self._members)):
                self.proxy.add_member(resource, member=member)
        return self.proxy.get_image(resource.id)

    def delete(self, resource):
        if resource.is_protected:
            raise StackwrightError(
                f"image {resource.name!r} ({resource.id}) is protected: set protected: false first"
            )
        self.proxy.delete_image(resource, ignore_missing=True)

    def result(self, resource):
        data = super().result(resource)
        if data is not None:
            data.pop("members", None)
            if self.params["members"] is not None:
                data["members"] = self.member_ids(resource)
        return data


def main():
    ImageModule()()


if __name__ == "__main__":
    main()
