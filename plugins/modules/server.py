#!/usr/bin/python
"""Module: a nova server."""

from __future__ import annotations

DOCUMENTATION = r"""
module: server
author: stackwright developers
short_description: A nova server
description:
  - Creates, updates or deletes a nova (compute v2) server, found by name (or id).
  - In place, the module changes the server's I(metadata), attaches the I(volumes) it lacks, and
    starts or stops it (I(power)). It never rebuilds, resizes or re-plugs a server; a different
    I(image), I(flavor), I(networks), I(key_name), I(security_groups), I(availability_zone),
    I(config_drive), I(server_group) or boot mode fails, naming what differs (delete the server
    first).
  - With I(wait), creation waits for C(ACTIVE) (then C(SHUTOFF) for I(power=stopped)), a power
    change for the new state, and deletion until the server is gone. A server in C(ERROR) fails
    with nova's fault message.
  - Floating IPs are left to the floating IP module.
options:
  name:
    description: Name (or id, to find an existing one) of the server.
    type: str
    required: true
  image:
    description:
      - The image (name or id) to boot, or to build the boot volume from with
        I(boot_from_volume). Required to create the server.
      - Not compared for a server booted from a volume (nova does not tell which image the
        volume came from).
    type: str
  flavor:
    description: The flavor (name or id). Required to create the server.
    type: str
  boot_from_volume:
    description:
      - Boot from a new volume of I(volume_size) GiB made from I(image), instead of the
        compute host's local disk.
    type: bool
  volume_size:
    description: Size in GiB of the boot volume; required with I(boot_from_volume).
    type: int
  delete_volume_on_termination:
    description: Whether deleting the server deletes its boot volume too (I(boot_from_volume)).
    type: bool
    default: true
  networks:
    description:
      - The server's network interfaces, in order. Unset, nova picks the project's only network
        (or allocates one, where the cloud offers that); C([]) creates the server without any.
      - An existing server must have exactly these interfaces; only the keys given are compared.
    type: list
    elements: dict
    suboptions:
      network:
        description: The network (name or id).
        type: str
      port:
        description: An existing port (name or id) to plug instead of creating one.
        type: str
      fixed_ip:
        description: The IP address to give the server on I(network).
        type: str
  key_name:
    description: The key pair (see M(stackwright.cloud.keypair)) whose public key the server gets.
    type: str
  security_groups:
    description:
      - Security groups (names, or ids) of the server's new ports; nova's default is the project's
        C(default) group. Compared as a set of names.
    type: list
    elements: str
  user_data:
    description:
      - Data for cloud-init (a script or a cloud-config document), as text; the module encodes it.
      - Sent at creation only and never compared (nova does not return it to every user); hidden
        in the diff and the result.
    type: str
  config_drive:
    description: Whether the server gets a config drive (the metadata as a disk).
    type: bool
  availability_zone:
    description: The availability zone to create the server in.
    type: str
  server_group:
    description: The server group (name or id, see M(stackwright.cloud.server_group)) the server joins.
    type: str
  metadata:
    description:
      - The server's metadata. Only the keys given are compared and set; a key given with a
        C(null) value is removed; the server's other keys are left alone.
    type: dict
  volumes:
    description:
      - Volumes (names or ids) attached to the server, after its creation or later. A volume
        missing from the list is not detached (detach it with the volume attachment module).
    type: list
    elements: str
  power:
    description:
      - C(started) (C(ACTIVE)) or C(stopped) (C(SHUTOFF)); unset, the power state is left as it
        is (a new server starts). Stopping a new server needs I(wait).
    type: str
    choices: [started, stopped]
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: A web server on the project network, with a fixed address
  stackwright.cloud.server:
    cloud: demo
    name: web-1
    image: debian-13
    flavor: m1.small
    key_name: operator
    networks:
      - network: demo-net
        fixed_ip: 10.0.0.10
    security_groups: [default, web]
    user_data: |
      #cloud-config
      packages: [nginx]
    metadata:
      role: web

- name: A database server booted from a 40 GiB volume, with a data volume
  stackwright.cloud.server:
    cloud: demo
    name: db-1
    image: debian-13
    flavor: m1.large
    boot_from_volume: true
    volume_size: 40
    volumes: [db-1-data]
    server_group: db
    networks:
      - network: demo-net

- name: Stopped for the night
  stackwright.cloud.server:
    cloud: demo
    name: web-1
    power: stopped

- name: Gone (waits until nova has deleted it)
  stackwright.cloud.server:
    cloud: demo
    name: web-1
    state: absent
"""

RETURN = r"""
server:
  description:
    - The server (C(null) when absent), without its user data; C(image) is reduced to its id
      and C(flavor) to what nova says of it. In check mode, the would-be server.
  type: dict
  returned: always
  sample:
    id: 3f9b1c2e-...
    name: web-1
    status: ACTIVE
    image: {"id": "9d1f..."}
    flavor: {"original_name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20}
    addresses: {"demo-net": [{"addr": "10.0.0.10", "version": 4}]}
    key_name: operator
    metadata: {"role": "web"}
"""

import base64
import re
from typing import Any, ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    sdk_exceptions,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    as_text,
    current_items,
    find_one,
    image_id,
    network_id,
    resolve_id,
    wanted_items,
)

#: The power option -> the server status it means.
POWER = {"started": "ACTIVE", "stopped": "SHUTOFF"}
STATUS_POWER = {status: power for power, status in POWER.items()}
UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.IGNORECASE)
# What a create-only difference means, for the failure message.
CHANGE_NAMES = {
    "image": "rebuild",
    "flavor": "resize",
    "boot_from_volume": "rebuild",
    "networks": "re-plug",
}


def interface_view(interface: dict, keys=("network", "port", "fixed_ip"), fixed_ip=None) -> dict:
    """An interface as the networks option describes one, limited to ``keys``."""
    ips = interface["fixed_ips"]
    shown = {
        "network": interface["network"],
        "port": interface["port"],
        "fixed_ip": fixed_ip if fixed_ip in ips else next(iter(ips), None),
    }
    return {k: shown[k] for k in keys}


def match_networks(wanted: list[dict], interfaces: list[dict]) -> list[dict]:
    """The interfaces as seen through the entries asked for: each entry takes the first unused
    interface that matches it (on the keys it gives), shown with those keys; the interfaces
    left over follow in full. Equal to ``wanted`` exactly when the server has those interfaces
    and no others."""
    shown, unused = [], list(interfaces)
    for entry in wanted:
        for interface in unused:
            seen = interface_view(interface, tuple(entry), entry.get("fixed_ip"))
            if seen == entry:
                shown.append(seen)
                unused.remove(interface)
                break
    return shown + [interface_view(interface) for interface in unused]


def truthy(value: Any) -> bool:
    """Nova's config_drive: ``"True"``, ``True`` or ``""``."""
    return value is True or str(value).lower() in ("true", "1", "yes")


class ServerModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        image=dict(type="str"),
        flavor=dict(type="str"),
        boot_from_volume=dict(type="bool"),
        volume_size=dict(type="int"),
        delete_volume_on_termination=dict(type="bool", default=True),
        networks=dict(
            type="list",
            elements="dict",
            options=dict(network=dict(type="str"), port=dict(type="str"), fixed_ip=dict(type="str")),
        ),
        key_name=dict(type="str"),
        security_groups=dict(type="list", elements="str"),
        user_data=dict(type="str"),
        config_drive=dict(type="bool"),
        availability_zone=dict(type="str"),
        server_group=dict(type="str"),
        metadata=dict(type="dict"),
        volumes=dict(type="list", elements="str"),
        power=dict(type="str", choices=list(POWER)),
    )
    module_kwargs: ClassVar[dict] = dict(required_if=[("boot_from_volume", True, ("volume_size",))])
    spec = ResourceSpec(
        service="compute",
        kind="server",
        attributes={
            "name": "name",
            "image": "image_id",
            "flavor": "flavor_id",
            "boot_from_volume": "block_device_mapping",
            "networks": "networks",
            "key_name": "key_name",
            "security_groups": "security_groups",
            "user_data": "user_data",
            "config_drive": "config_drive",
            "availability_zone": "availability_zone",
            "server_group": "scheduler_hints",
            "metadata": "metadata",
            "volumes": "volumes",
            "power": "status",
        },
        updatable=("metadata", "volumes", "power"),
        unordered=("security_groups", "volumes"),
        write_only=("user_data",),
    )

    _flavor: Any = None
    _wanted: ClassVar[dict] = {}

    # --- what is asked --------------------------------------------------------------------
    def desired(self):
        p, conn = self.params, self.conn
        if self.absent:
            return {k: (p["name"] if k == "name" else None) for k in self.spec.attributes}
        self._flavor = find_one(conn.compute, "flavor", p["flavor"], required=True) if p["flavor"] else None
        volumes = p["volumes"]
        values = {
            "name": p["name"],
            "image": image_id(conn, p["image"]),
            "flavor": self._flavor.name if self._flavor else None,
            "boot_from_volume": p["boot_from_volume"],
            "networks": self.wanted_networks(),
            "key_name": p["key_name"],
            "security_groups": self.wanted_security_groups(),
            "user_data": p["user_data"],
            "config_drive": p["config_drive"],
            "availability_zone": p["availability_zone"],
            "server_group": resolve_id(conn, "compute", "server_group", p["server_group"]),
            "metadata": wanted_items(p["metadata"]),
            "volumes": None
            if volumes is None
            else sorted({resolve_id(conn, "block_storage", "volume", v) for v in volumes}),
            "power": p["power"],
        }
        self._wanted = values
        return values

    def wanted_networks(self) -> list[dict] | None:
        given = self.params["networks"]
        if given is None:
            return None
        wanted = []
        for entry in given:
            if not entry.get("network") and not entry.get("port"):
                raise StackwrightError("each item of networks needs a network or a port")
            item = {}
            if entry.get("network"):
                item["network"] = network_id(self.conn, entry["network"])
            if entry.get("port"):
                item["port"] = resolve_id(self.conn, "network", "port", entry["port"])
            if entry.get("fixed_ip"):
                item["fixed_ip"] = entry["fixed_ip"]
            wanted.append(item)
        return wanted

    def wanted_security_groups(self) -> list[str] | None:
        """The names of the groups asked for (nova shows a server's groups by name)."""
        given = self.params["security_groups"]
        if given is None:
            return None
        return sorted({self.security_group_name(group) for group in given})

    def security_group_name(self, group: str) -> str:
        if UUID.match(group) and self.conn.has_service("network"):
            try:
                return self.conn.network.get_security_group(group).name
            except sdk_exceptions.NotFoundException:
                pass
        return group

    # --- what is there ------------------------------------------------------------------------
    def find(self, desired):
        server = find_one(self.proxy, "server", desired["name"])
        if self.absent:
            return server
        if server is None:
            self.check_creatable()
            return None
        if server.status == "BUILD" and self.wait:
            server = self.wait_for(server, "ACTIVE")
        if server.status == "ERROR":
            raise StackwrightError(self.fault(server))
        return server

    def check_creatable(self) -> None:
        p = self.params
        missing = [k for k in ("image", "flavor") if not p[k]]
        if missing:
            raise StackwrightError(
                f"server {p['name']!r} does not exist: set {' and '.join(missing)} to create it"
            )
        if not self.wait and (p["volumes"] or p["power"] == "stopped"):
            raise StackwrightError(
                "attaching volumes to a new server or stopping it needs wait: true (nova refuses "
                "both until the server is ACTIVE)"
            )

    def view(self, resource):
        wanted = self._wanted
        image = getattr(resource.image, "id", None) if resource.image else None
        attached = {getattr(v, "id", None) or v.get("id") for v in resource.attached_volumes or []}
        self._attached = attached
        self._current_metadata = {k: as_text(v) for k, v in (resource.metadata or {}).items()}
        interfaces = [
            {
                "network": i.net_id,
                "port": i.port_id,
                "fixed_ips": [ip.get("ip_address") for ip in i.fixed_ips or []],
            }
            for i in self.proxy.server_interfaces(resource)
        ]
        groups = resource.security_groups
        return {
            "name": resource.name,
            "image": image,
            "flavor": self.flavor_name(resource),
            "boot_from_volume": not image,
            "networks": match_networks(wanted.get("networks") or [], interfaces),
            "key_name": resource.key_name,
            "security_groups": None if groups is None else sorted({g.get("name") for g in groups}),
            "config_drive": truthy(resource.config_drive),
            "availability_zone": resource.availability_zone,
            "server_group": next(iter(resource.server_groups or []), None),
            "metadata": current_items(resource.metadata, self.params["metadata"]),
            "volumes": (
                sorted(attached)
                if wanted.get("volumes") is None
                else sorted(v for v in wanted["volumes"] if v in attached)
            ),
            "power": STATUS_POWER.get(resource.status, (resource.status or "").lower() or None),
        }

    def flavor_name(self, server) -> str | None:
        """The server's flavor by name (compute API 2.47 or later gives only the name)."""
        flavor = server.flavor
        if not flavor:
            return None
        if flavor.name:
            return flavor.name
        if self._flavor is not None and flavor.id == self._flavor.id:
            return self._flavor.name
        try:
            return self.proxy.get_flavor(flavor.id).name
        except sdk_exceptions.NotFoundException:
            return flavor.id  # a deleted flavor

    def changes(self, resource, current, desired):
        changes = super().changes(resource, current, desired)
        if current["boot_from_volume"]:
            changes.pop("image", None)  # the image a boot volume came from is not known
        if resource.server_groups is None:
            changes.pop("server_group", None)  # before compute API 2.71: not shown
        if "power" in changes and current["power"] not in POWER:
            raise StackwrightError(
                f"server {resource.name!r} is {resource.status}: power switches only between "
                "ACTIVE (started) and SHUTOFF (stopped)"
            )
        refused = [k for k in changes if k not in self.spec.updatable]
        if refused:
            what = ", ".join(f"{k} ({current.get(k)!r} -> {changes[k]!r})" for k in refused)
            verbs = sorted({CHANGE_NAMES.get(k, "re-create") for k in refused})
            raise StackwrightError(
                f"server {resource.name!r} exists with a different {what}. This module does not "
                f"{' or '.join(verbs)} servers: delete the server (state: absent) and create it again."
            )
        return changes

    # --- changing it ----------------------------------------------------------------------------
    def to_sdk(self, values):
        p = self.params
        attrs: dict[str, Any] = {}
        for key, value in values.items():
            if key == "image":
                attrs["image_id"] = value
            elif key == "flavor":
                attrs["flavor_id"] = self._flavor.id if self._flavor else value
            elif key == "networks":
                attrs["networks"] = (
                    [{{"network": "uuid"}.get(k, k): v for k, v in entry.items()} for entry in value]
                    if value
                    else "none"
                )
            elif key == "security_groups":
                attrs["security_groups"] = [{"name": g} for g in p["security_groups"] or value]
            elif key == "user_data":
                attrs["user_data"] = base64.b64encode(value.encode()).decode()
            elif key == "server_group":
                attrs["scheduler_hints"] = {"group": value}
            elif key == "metadata":
                removed = {k for k, v in p["metadata"].items() if v is None}
                kept = {k: v for k, v in getattr(self, "_current_metadata", {}).items() if k not in removed}
                attrs["metadata"] = {**kept, **value}
            elif key == "power":
                attrs["status"] = POWER[value]
            elif key != "boot_from_volume":
                attrs[self.spec.attributes[key]] = value
        if values.get("boot_from_volume"):
            attrs["block_device_mapping"] = [
                {
                    "boot_index": 0,
                    "uuid": attrs.pop("image_id", None),
                    "source_type": "image",
                    "destination_type": "volume",
                    "volume_size": p["volume_size"],
                    "delete_on_termination": p["delete_volume_on_termination"],
                }
            ]
        return attrs

    def create(self, attrs):
        attrs = dict(attrs)
        self._after_create = (attrs.pop("volumes", None), attrs.pop("status", None))
        attrs.setdefault("networks", "auto")
        return self.proxy.create_server(**attrs)

    def wait_for_create(self, resource):
        server = self.wait_for(resource, "ACTIVE")
        volumes, status = self._after_create
        if volumes:
            self.attach(server, volumes)
        if status == "SHUTOFF":
            self.proxy.stop_server(server)
            server = self.wait_for(server, "SHUTOFF")
        return self.proxy.get_server(server.id)

    def update(self, resource, attrs):
        if "metadata" in attrs:
            current, wanted = self._current_metadata, attrs["metadata"]
            changed = {k: v for k, v in wanted.items() if current.get(k) != v}
            if changed:
                self.proxy.set_server_metadata(resource, **changed)
            removed = sorted(set(current) - set(wanted))
            if removed:
                self.proxy.delete_server_metadata(resource, removed)
        if "volumes" in attrs:
            self.attach(resource, [v for v in attrs["volumes"] if v not in self._attached])
        if "status" in attrs:
            if attrs["status"] == "ACTIVE":
                self.proxy.start_server(resource)
            else:
                self.proxy.stop_server(resource)
            if self.wait:
                self.wait_for(resource, attrs["status"])
        return self.proxy.get_server(resource.id)

    def attach(self, server, volume_ids: list[str]) -> None:
        for volume in volume_ids:
            self.proxy.create_volume_attachment(server, volume=volume)
        if self.wait:
            storage = self.conn.block_storage
            for volume in volume_ids:
                storage.wait_for_status(
                    storage.get_volume(volume),
                    status="in-use",
                    failures=["error", "error_attaching"],
                    wait=self.timeout,
                )

    def delete(self, resource):
        self.proxy.delete_server(resource, ignore_missing=True)

    def wait_for_delete(self, resource):
        self.proxy.wait_for_delete(resource, wait=self.timeout)

    # --- helpers ------------------------------------------------------------------------------
    def wait_for(self, server, status: str):
        """The server once in ``status``; its fault message when it goes to ERROR instead."""
        try:
            return self.proxy.wait_for_server(server, status=status, failures=["ERROR"], wait=self.timeout)
        except sdk_exceptions.ResourceFailure:
            raise StackwrightError(self.fault(self.proxy.get_server(server.id))) from None

    @staticmethod
    def fault(server) -> str:
        fault = server.fault or {}
        message = fault.get("message") or "nova recorded no fault"
        code = f" (code {fault['code']})" if fault.get("code") else ""
        return f"server {server.name!r} ({server.id}) is in ERROR: {message}{code}"

    def result(self, resource):
        data = super().result(resource)
        if data:
            image = data.get("image") or {}
            data["image"] = {"id": image["id"]} if image.get("id") else None
            if data.get("flavor"):
                data["flavor"] = {k: v for k, v in data["flavor"].items() if v not in (None, {}, "")}
        return data


def main():
    ServerModule()()


if __name__ == "__main__":
    main()
