"""In-memory nova, glance, cinder and neutron proxies for the compute and image modules.

They extend ``openstack_fakes.FakeProxy``: every call is recorded and checked against the real
openstacksdk proxy's signature, and the resources are the SDK's own classes. What the real
services do asynchronously (a server building, an image import) happens at the first wait.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

import requests
from openstack import exceptions
from openstack.block_storage.v3._proxy import Proxy as BlockStorageAPI
from openstack.block_storage.v3.volume import Volume
from openstack.compute.v2._proxy import Proxy as ComputeAPI
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.hypervisor import Hypervisor
from openstack.compute.v2.keypair import Keypair
from openstack.compute.v2.server import Server
from openstack.compute.v2.server_group import ServerGroup
from openstack.compute.v2.server_interface import ServerInterface
from openstack.identity.v3._proxy import Proxy as IdentityAPI
from openstack.identity.v3.domain import Domain
from openstack.identity.v3.project import Project
from openstack.identity.v3.user import User
from openstack.image.v2._proxy import Proxy as ImageAPI
from openstack.image.v2.image import Image
from openstack.image.v2.member import Member
from openstack.network.v2._proxy import Proxy as NetworkAPI
from openstack.network.v2.network import Network
from openstack.network.v2.port import Port
from openstack.network.v2.security_group import SecurityGroup

from tests.unit.openstack_fakes import MUTATING, FakeConnection, FakeProxy, check_signature

#: Calls that change something, beyond FakeProxy's create/update/delete...
MORE_MUTATING = ("start", "stop", "set", "add", "remove", "patch")


def recorded(method):
    """Record a call of a fake proxy method and check it against the real proxy's signature."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        check_signature(self.real, method.__name__, args, kwargs)
        self.calls.append((method.__name__, args, kwargs))
        return method(self, *args, **kwargs)

    return call


class Proxy(FakeProxy):
    def mutations(self) -> list[str]:
        return [name for name, _, _ in self.calls if name.startswith(MUTATING + MORE_MUTATING)]

    def stored(self, kind: str, resource: Any) -> Any:
        return self._get(kind, resource)

    def replace(self, kind: str, resource: Any, **attrs: Any) -> Any:
        """Store a copy of ``resource`` with ``attrs`` changed (by SDK attribute names)."""
        current = self._get(kind, resource)
        updated = self.classes[kind].existing(**{**current.to_dict(computed=False), **attrs})
        self.store[kind][updated.id] = updated
        return updated


# --- nova -------------------------------------------------------------------------------------
class ComputeProxy(Proxy):
    """Flavors (with extra specs), key pairs per user, servers that build at the first wait,
    server groups, hypervisors."""

    _addresses = itertools.count(10)

    def __init__(self):
        super().__init__(
            {
                "flavor": Flavor,
                "keypair": Keypair,
                "server": Server,
                "server_group": ServerGroup,
                "hypervisor": Hypervisor,
            },
            real=ComputeAPI,
        )
        self.interfaces: dict[str, list[dict]] = {}
        self.build_fault: str | None = None  # set: the next server to build goes to ERROR
        self.default_network = "net-default"
        self.port_networks: dict[str, str] = {}
        self.security_group_names: dict[str, str] = {}  # nova shows a server's groups by name

    # flavors
    @recorded
    def flavors(self, details=True, get_extra_specs=False, **query):
        return self._list("flavor", **query)

    @recorded
    def get_flavor(self, flavor, get_extra_specs=False):
        return self._get("flavor", flavor)

    @recorded
    def fetch_flavor_extra_specs(self, flavor):
        return self._get("flavor", flavor)

    @recorded
    def create_flavor_extra_specs(self, flavor, extra_specs):
        current = self._get("flavor", flavor)
        return self.replace("flavor", flavor, extra_specs={**(current.extra_specs or {}), **extra_specs})

    @recorded
    def delete_flavor_extra_specs_property(self, flavor, prop, ignore_missing=True):
        current = self._get("flavor", flavor)
        specs = dict(current.extra_specs or {})
        specs.pop(prop, None)
        self.replace("flavor", flavor, extra_specs=specs)

    # key pairs: one name per user
    def _keypair(self, name, user_id):
        user_id = user_id or "me"
        return next(
            (k for k in self.store["keypair"].values() if k.name == name and (k.user_id or "me") == user_id),
            None,
        )

    @recorded
    def find_keypair(self, name_or_id, ignore_missing=True, *, user_id=None):
        found = self._keypair(name_or_id, user_id)
        if found is None and not ignore_missing:
            raise exceptions.NotFoundException(f"No Keypair found for {name_or_id}")
        return found

    @recorded
    def create_keypair(self, **attrs):
        attrs = {"user_id": "me", "type": "ssh", **attrs}
        if not attrs.get("public_key"):
            attrs["public_key"] = "ssh-rsa AAAAgenerated nova"
            attrs["private_key"] = (
                "-----BEGIN OPENSSH PRIVATE KEY-----\ngenerated\n-----END OPENSSH PRIVATE KEY-----"
            )
        attrs["fingerprint"] = hashlib.md5(attrs["public_key"].encode(), usedforsecurity=False).hexdigest()
        # Stored under name@user (the SDK's id of a key pair is its name); nova shows a
        # generated private key in its answer to the creation only.
        stored = {k: v for k, v in attrs.items() if k != "private_key"}
        self.store["keypair"][f"{attrs['name']}@{attrs['user_id']}"] = Keypair.existing(**stored)
        return Keypair.existing(**attrs)

    def add_keypair(self, **attrs) -> Keypair:
        """Put a key pair in the store (of the user ``me`` unless ``user_id`` is given)."""
        attrs = {"user_id": "me", "type": "ssh", "fingerprint": "fp-old", **attrs}
        keypair = Keypair.existing(**attrs)
        self.store["keypair"][f"{attrs['name']}@{attrs['user_id']}"] = keypair
        return keypair

    @recorded
    def delete_keypair(self, keypair, ignore_missing=True, user_id=None):
        name = getattr(keypair, "name", keypair)
        self.store["keypair"].pop(f"{name}@{user_id or 'me'}", None)

    # servers
    @recorded
    def servers(self, details=True, all_projects=False, **query):
        name = query.pop("name", None)
        found = self._list("server", **query)
        return [s for s in found if name is None or name in s.name]  # nova: a regular expression

    @recorded
    def create_server(self, **attrs):
        flavor = self._get("flavor", attrs["flavor_id"])
        bdm = attrs.get("block_device_mapping") or []
        server_id = f"server-{next(self._ids)}"
        volumes = [{"id": f"boot-volume-of-{server_id}"}] if bdm else []
        server = Server.existing(
            id=server_id,
            name=attrs["name"],
            status="BUILD",
            image={"id": attrs["image_id"]} if attrs.get("image_id") else "",
            flavor={
                "original_name": flavor.name,
                "vcpus": flavor.vcpus,
                "ram": flavor.ram,
                "disk": flavor.disk,
            },
            key_name=attrs.get("key_name"),
            security_groups=[
                {"name": self.security_group_names.get(g["name"], g["name"])}
                for g in attrs.get("security_groups") or [{"name": "default"}]
            ],
            metadata=dict(attrs.get("metadata") or {}),
            availability_zone=attrs.get("availability_zone") or "nova",
            config_drive="True" if attrs.get("config_drive") else "",
            server_groups=[attrs["scheduler_hints"]["group"]] if attrs.get("scheduler_hints") else [],
            attached_volumes=volumes,
            user_data=attrs.get("user_data"),
        )
        self.store["server"][server.id] = server
        self.interfaces[server.id] = self._plug(attrs.get("networks"))
        return server

    def _plug(self, networks):
        if networks == "none":
            return []
        if networks in (None, "auto"):
            networks = [{"uuid": self.default_network}]
        plugged = []
        for entry in networks:
            port = entry.get("port") or f"port-{next(self._ids)}"
            plugged.append(
                {
                    "net_id": entry.get("uuid") or self.port_networks.get(port, "net-of-" + port),
                    "port_id": port,
                    "fixed_ips": [{"ip_address": entry.get("fixed_ip") or f"10.0.0.{next(self._addresses)}"}],
                }
            )
        return plugged

    @recorded
    def server_interfaces(self, server, **query):
        return [ServerInterface.existing(**i) for i in self.interfaces.get(getattr(server, "id", server), [])]

    @recorded
    def wait_for_server(self, server, status="ACTIVE", failures=None, **timing):
        current = self._get("server", server)
        if current.status == "BUILD":
            if self.build_fault:
                current = self.replace(
                    "server", current, status="ERROR", fault={"code": 500, "message": self.build_fault}
                )
            else:
                current = self.replace("server", current, status="ACTIVE")
        if current.status in (failures or ["ERROR"]):
            raise exceptions.ResourceFailure(f"{current.name} transitioned to failure state {current.status}")
        if current.status != status:
            raise exceptions.ResourceTimeout(f"Timeout waiting for {current.name} to be {status}")
        return current

    @recorded
    def start_server(self, server):
        self.replace("server", server, status="ACTIVE")

    @recorded
    def stop_server(self, server):
        current = self._get("server", server)
        if current.status != "ACTIVE":
            raise exceptions.ConflictException(
                f"Cannot 'stop' instance {current.id} while it is {current.status}"
            )
        self.replace("server", server, status="SHUTOFF")

    @recorded
    def set_server_metadata(self, server, **metadata):
        current = self._get("server", server)
        return self.replace("server", server, metadata={**(current.metadata or {}), **metadata})

    @recorded
    def delete_server_metadata(self, server, keys=None):
        current = self._get("server", server)
        keys = set(current.metadata or {}) if keys is None else set(keys)
        self.replace("server", server, metadata={k: v for k, v in current.metadata.items() if k not in keys})

    @recorded
    def create_volume_attachment(self, server, volume=None, **attrs):
        current = self._get("server", server)
        attached = [{"id": v.id} for v in current.attached_volumes or []] + [{"id": volume}]
        self.replace("server", server, attached_volumes=attached)

    @recorded
    def wait_for_delete(self, res, **timing):
        assert getattr(res, "id", res) not in self.store["server"], "waited for a server still there"
        return res

    # hypervisors
    @recorded
    def hypervisors(self, details=False, **query):
        return self._list("hypervisor", **query)


# --- glance -----------------------------------------------------------------------------------
def wire(image: Image) -> dict:
    """An image as glance sends it: every attribute by its API name, properties at the top."""
    data = image.to_dict(computed=False, original_names=True)
    extra = data.pop("properties", None) or {}
    data.pop("location", None)
    return {**{k: v for k, v in data.items() if v is not None}, **extra}


#: Image attributes glance refuses to be given.
READ_ONLY = frozenset({"stores", "status", "checksum", "size", "os_hash_algo", "os_hash_value", "id"})


class ImageProxy(Proxy):
    """Images with data (hashed as glance does, md5 checksum and sha512 multihash), JSON-patch
    updates, members of shared images."""

    def __init__(self):
        super().__init__({"image": Image}, real=ImageAPI)
        self.members_of: dict[str, dict[str, str]] = {}  # image id -> member -> status
        self.corrupt = False  # set: uploads store other data than the file's
        self.import_status = "active"  # what an import reaches at the first wait

    def _build(self, **attrs) -> Image:
        image = Image.existing(**{k: v for k, v in attrs.items() if v is not None})
        self.store["image"][image.id] = image
        return image

    @recorded
    def create_image(self, name, **kwargs):
        data = Path(kwargs["filename"]).read_bytes() if kwargs.get("filename") else None
        if data is not None and self.corrupt:
            data += b"bit rot"
        meta = kwargs.get("meta") or {}
        read_only = sorted(READ_ONLY & set(meta))
        if read_only:
            raise exceptions.ForbiddenException(f"Attribute '{read_only[0]}' is read-only.")
        attrs = {
            "id": f"image-{next(self._ids)}",
            "name": name,
            "status": "queued",
            "visibility": "shared",
            "protected": False,
            "min_disk": 0,
            "min_ram": 0,
            "disk_format": kwargs.get("disk_format") or "qcow2",
            "container_format": kwargs.get("container_format") or "bare",
            "tags": kwargs.get("tags") or [],
            "owner_specified.openstack.md5": kwargs.get("md5") or "",
            "owner_specified.openstack.sha256": kwargs.get("sha256") or "",
            "owner_specified.openstack.object": f"images/{name}",
            "stores": "file",  # glance with multiple stores
            **meta,
        }
        if data is not None:
            attrs.update(
                status="importing" if kwargs.get("use_import") else "active",
                size=len(data),
                checksum=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                os_hash_algo="sha512",
                os_hash_value=hashlib.sha512(data).hexdigest(),
            )
        return self._build(**attrs)

    @recorded
    def wait_for_status(self, res, status, failures=None, **timing):
        current = self._get("image", res)
        if current.status == "importing":
            current = self._build(**{**wire(current), "status": self.import_status})
        if current.status in (failures or []):
            raise exceptions.ResourceFailure(f"image {current.id} is {current.status}")
        return current

    @recorded
    def patch(self, url, **kwargs):
        assert kwargs["headers"] == {"Content-Type": "application/openstack-images-v2.1-json-patch"}
        image_id = url.rsplit("/", 1)[-1]
        body = wire(self._get("image", image_id))
        for op in kwargs["json"]:
            key = op["path"][1:].replace("~1", "/").replace("~0", "~")
            if op["op"] == "add" and key in body:
                return self._response(409, f"Property {key} already present.")
            if op["op"] in ("replace", "remove") and key not in body:
                return self._response(409, f"Property {key} does not exist.")
            if op["op"] == "remove":
                del body[key]
            else:
                body[key] = op["value"]
        self._build(**body)
        return self._response(200, None)

    @staticmethod
    def _response(status, message):
        response = requests.Response()
        response.status_code = status
        response.request = requests.Request("PATCH", "https://glance.test/v2/images/x").prepare()
        response.headers["content-type"] = "application/json"
        response._content = json.dumps({"message": message} if message else {}).encode()
        return response

    @recorded
    def members(self, image, **query):
        image_id = getattr(image, "id", image)
        if self._get("image", image_id).visibility != "shared":
            raise exceptions.ForbiddenException("Only shared images have members.")
        return [
            Member.existing(member_id=m, image_id=image_id, status=s)
            for m, s in self.members_of.get(image_id, {}).items()
        ]

    @recorded
    def add_member(self, image, **attrs):
        image_id = getattr(image, "id", image)
        if self._get("image", image_id).visibility != "shared":
            raise exceptions.ForbiddenException("Only shared images have members.")
        self.members_of.setdefault(image_id, {})[attrs["member"]] = "pending"
        return Member.existing(member_id=attrs["member"], image_id=image_id, status="pending")

    @recorded
    def remove_member(self, member, image=None, ignore_missing=True):
        self.members_of.get(getattr(image, "id", image), {}).pop(getattr(member, "id", member), None)


# --- cinder, neutron, keystone (names to resolve) ---------------------------------------------
class BlockStorageProxy(Proxy):
    def __init__(self):
        super().__init__({"volume": Volume}, real=BlockStorageAPI)

    @recorded
    def wait_for_status(self, res, status="available", failures=None, **timing):
        return self.replace("volume", res, status=status)


def compute_connection(**extra) -> FakeConnection:
    """A connection with every fake this module set needs."""
    return FakeConnection(
        compute=ComputeProxy(),
        image=ImageProxy(),
        block_storage=BlockStorageProxy(),
        network=Proxy({"network": Network, "port": Port, "security_group": SecurityGroup}, real=NetworkAPI),
        identity=Proxy({"domain": Domain, "project": Project, "user": User}, real=IdentityAPI),
        **extra,
    )
