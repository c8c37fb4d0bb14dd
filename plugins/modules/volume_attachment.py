#!/usr/bin/python
"""Module: a volume attached to a server."""

from __future__ import annotations

DOCUMENTATION = r"""
module: volume_attachment
author: stackwright developers
short_description: A cinder volume attached to a nova server
description:
  - Attaches a volume to a server (through nova), or detaches it.
  - C(present) means attached to that server; with I(wait), the module waits until cinder shows
    the volume C(in-use) by the server. A volume attached to another server fails the task
    (unless it is a multi-attach volume); detach it there first.
  - C(absent) means not attached to that server; with I(wait), the module waits until the volume
    is detached (C(available), or still C(in-use) by the other servers of a multi-attach volume).
options:
  server:
    description: The server (name or id).
    type: str
    required: true
  volume:
    description: The volume (name or id, in the token's project).
    type: str
    required: true
  device:
    description:
      - Device name to ask for, such as C(/dev/vdb). Only a hint at attachment (the hypervisor
        may choose another name), so it is never compared with an existing attachment; the
        result shows the device actually used.
    type: str
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: The database volume on the database server
  stackwright.cloud.volume_attachment:
    cloud: demo
    server: db1
    volume: db-data
  register: attached

- name: Where the guest sees it
  ansible.builtin.debug:
    msg: "{{ attached.attachment.device }}"

- name: Detached (waits until cinder shows the volume available)
  stackwright.cloud.volume_attachment:
    cloud: demo
    server: db1
    volume: db-data
    state: absent
"""

RETURN = r"""
attachment:
  description:
    - The attachment as nova shows it (C(null) when detached); in check mode, the would-be
      attachment (no device yet).
  type: dict
  returned: always
  sample: {"id": "5c1d...", "server_id": "9f2e...", "volume_id": "5c1d...", "device": "/dev/vdb",
           "attachment_id": "a4b1..."}
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
)


def attached_servers(volume) -> list[str]:
    """Ids of the servers a volume is attached to, as cinder shows it."""
    return [a.get("server_id") for a in volume.attachments or [] if a.get("server_id")]


class VolumeAttachmentModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        server=dict(type="str", required=True),
        volume=dict(type="str", required=True),
        device=dict(type="str"),
    )
    spec = ResourceSpec(
        service="compute",
        kind="volume_attachment",
        attributes={"server_id": "server_id", "volume_id": "volume_id", "device": "device"},
        key=None,
        result_key="attachment",
    )
    poll_interval: ClassVar[float] = 2

    def desired(self):
        self.server = find_one(self.conn.compute, "server", self.params["server"], required=True)
        self.volume = find_one(self.conn.block_storage, "volume", self.params["volume"], required=True)
        return {"server_id": self.server.id, "volume_id": self.volume.id, "device": self.params["device"]}

    def label(self, desired):
        return f"volume {self.params['volume']!r} on server {self.params['server']!r}"

    def find(self, desired):
        try:
            attachment = self.proxy.get_volume_attachment(self.server, self.volume.id)
        except sdk_exceptions.NotFoundException:
            attachment = None
        others = [s for s in attached_servers(self.volume) if s != self.server.id]
        if attachment is None and others and not self.absent and not self.volume.is_multiattach:
            raise StackwrightError(
                f"volume {self.volume.name!r} ({self.volume.id}) is attached to server "
                f"{', '.join(others)}, not to {self.params['server']!r}: detach it there first "
                "(only a multi-attach volume can be attached to several servers)"
            )
        return attachment

    def view(self, resource):
        return {"server_id": self.server.id, "volume_id": resource.volume_id, "device": resource.device}

    def changes(self, resource, current, desired):
        return {}  # attached is all there is to it: the device is a hint, never compared

    def create(self, attrs):
        if self.volume.status not in ("available", "in-use") and self.wait:  # still being created
            self.volume = self.conn.block_storage.wait_for_status(
                self.volume,
                status="available",
                failures=["error"],
                interval=self.poll_interval,
                wait=self.timeout,
            )
        extra = {"device": attrs["device"]} if attrs.get("device") else {}
        return self.proxy.create_volume_attachment(self.server, self.volume, **extra)

    def wait_for_create(self, resource):
        self.poll("attached", lambda v: v.status == "in-use" and self.server.id in attached_servers(v))
        return self.proxy.get_volume_attachment(self.server, self.volume.id)

    def delete(self, resource):
        self.proxy.delete_volume_attachment(self.server, self.volume, ignore_missing=True)

    def wait_for_delete(self, resource):
        self.poll(
            "detached",
            lambda v: v.status in ("available", "in-use") and self.server.id not in attached_servers(v),
        )

    def poll(self, doing: str, done) -> None:
        """Fetch the volume until ``done(volume)``; an error status fails; so does the timeout,
        and a volume back to ``available`` without the attachment nova was asked for."""
        deadline = time.monotonic() + self.timeout
        where = f"volume {self.volume.name!r} ({self.volume.id}) on server {self.params['server']!r}"
        while True:
            volume = self.conn.block_storage.get_volume(self.volume.id)
            if done(volume):
                return
            status = volume.status or ""
            if status.startswith("error"):
                raise StackwrightError(f"{where}: the volume went into status {status} while being {doing}")
            if doing == "attached" and status == "available":
                # nova reserves the volume before it answers: available again means it gave up
                raise StackwrightError(
                    f"{where}: nova could not attach it (the volume is available again); "
                    "`openstack server event list` on the server says why"
                )
            if time.monotonic() >= deadline:
                raise StackwrightError(
                    f"{where}: still {status} after {self.timeout} s, waiting for it to be {doing}"
                )
            time.sleep(self.poll_interval)


def main():
    VolumeAttachmentModule()()


if __name__ == "__main__":
    main()
