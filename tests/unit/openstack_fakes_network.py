"""An in-memory neutron for the network modules' tests, over ``openstack_fakes.FakeProxy``.

Listings and finds refuse query parameters the real resource does not know, as the SDK does.
It fills in what neutron fills in on create (project, MAC, addresses, default egress rules of a
security group, floating addresses) and implements router interfaces as neutron does: a port of
the router per subnet, owned by ``network:router_interface``. Calls are checked against the real
``openstack.network.v2._proxy.Proxy`` signatures, as the base fakes do.
"""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

from openstack import exceptions
from openstack.compute.v2._proxy import Proxy as ComputeAPI
from openstack.compute.v2.server import Server
from openstack.identity.v3._proxy import Proxy as IdentityAPI
from openstack.identity.v3.domain import Domain
from openstack.identity.v3.project import Project
from openstack.network.v2._proxy import Proxy as NetworkAPI
from openstack.network.v2.agent import Agent
from openstack.network.v2.floating_ip import FloatingIP
from openstack.network.v2.network import Network
from openstack.network.v2.port import Port
from openstack.network.v2.router import Router
from openstack.network.v2.security_group import SecurityGroup
from openstack.network.v2.security_group_rule import SecurityGroupRule
from openstack.network.v2.subnet import Subnet

from tests.unit.openstack_fakes import FakeConnection, FakeProxy, check_signature

NETWORK_KINDS = {
    "network": Network,
    "subnet": Subnet,
    "router": Router,
    "port": Port,
    "security_group": SecurityGroup,
    "security_group_rule": SecurityGroupRule,
    "ip": FloatingIP,
    "agent": Agent,
}


class NetworkProxy(FakeProxy):
    """The network proxy: every kind of the network modules, with neutron's defaults."""

    _macs = itertools.count(0x10)

    def __init__(self, project_id: str = "demo-id"):
        super().__init__(NETWORK_KINDS, real=NetworkAPI)
        self.project_id = project_id

    # --- helpers for tests ----------------------------------------------------------------
    def router_ports(self, router_id: str) -> list[Any]:
        return [p for p in self.store["port"].values() if p.device_id == router_id]

    def interfaces(self, router_id: str) -> list[str]:
        return sorted(ip["subnet_id"] for p in self.router_ports(router_id) for ip in p.fixed_ips or [])

    def _free_address(self, subnet: Any) -> str:
        used = {ip["ip_address"] for p in self.store["port"].values() for ip in p.fixed_ips or []}
        used |= {ip.floating_ip_address for ip in self.store["ip"].values()}
        used.add(subnet.gateway_ip)
        network = ipaddress.ip_network(subnet.cidr)
        return str(next(host for host in itertools.islice(network.hosts(), 1, None) if str(host) not in used))

    # --- listings check their query parameters, as the SDK does --------------------------
    def _list(self, kind: str, **query: Any) -> list[Any]:
        cls = self.classes[kind]
        cls._query_mapping._validate(query, cls.base_path)  # InvalidResourceQuery, like list()
        return super()._list(kind, **query)

    # --- neutron's defaults on create -----------------------------------------------------
    def _create(self, kind: str, **attrs: Any) -> Any:
        attrs.setdefault("project_id", self.project_id)
        defaults = getattr(self, f"_defaults_{kind}", None)
        resource = super()._create(kind, **(defaults(attrs) if defaults else attrs))
        if kind == "subnet":
            network = self.store["network"][resource.network_id]
            self._update("network", network, subnet_ids=[*(network.subnet_ids or []), resource.id])
        if kind == "security_group":
            for ethertype in ("IPv4", "IPv6"):
                self.add(
                    "security_group_rule",
                    security_group_id=resource.id,
                    direction="egress",
                    ether_type=ethertype,
                    project_id=resource.project_id,
                )
        return resource

    def _defaults_network(self, attrs: dict) -> dict:
        return {"is_admin_state_up": True, "is_shared": False, "mtu": 1442, "status": "ACTIVE", **attrs}

    def _defaults_subnet(self, attrs: dict) -> dict:
        cidr = ipaddress.ip_network(attrs["cidr"])
        return {
            "gateway_ip": str(next(cidr.hosts())),
            "ip_version": cidr.version,
            "is_dhcp_enabled": True,
            "dns_nameservers": [],
            "host_routes": [],
            "allocation_pools": [{"start": str(cidr[2]), "end": str(cidr[-2])}],
            **attrs,
        }

    def _defaults_port(self, attrs: dict) -> dict:
        attrs = {
            "mac_address": f"fa:16:3e:00:00:{next(self._macs):02x}",
            "is_port_security_enabled": True,
            "allowed_address_pairs": [],
            "binding_vnic_type": "normal",
            **attrs,
        }
        if "security_group_ids" not in attrs:
            default = self._find("security_group", "default", project_id=attrs["project_id"])
            attrs["security_group_ids"] = [default.id] if default else []
        if "fixed_ips" not in attrs:
            subnets = self._list("subnet", network_id=attrs["network_id"])
            attrs["fixed_ips"] = [
                {"subnet_id": s.id, "ip_address": self._free_address(s)} for s in subnets[:1]
            ]
        else:
            attrs["fixed_ips"] = [
                {
                    "subnet_id": ip.get("subnet_id")
                    or self._subnet_of(attrs["network_id"], ip["ip_address"]),
                    "ip_address": ip.get("ip_address")
                    or self._free_address(self._get("subnet", ip["subnet_id"])),
                }
                for ip in attrs["fixed_ips"]
            ]
        return attrs

    def _defaults_security_group(self, attrs: dict) -> dict:
        return {"stateful": True, **attrs}

    def _defaults_ip(self, attrs: dict) -> dict:
        network = self._get("network", attrs["floating_network_id"])
        if "floating_ip_address" not in attrs:
            attrs = {
                **attrs,
                "floating_ip_address": self._free_address(self._get("subnet", network.subnet_ids[0])),
            }
        return {"status": "DOWN", **attrs}

    def _subnet_of(self, network_id: str, address: str) -> str:
        for subnet in self._list("subnet", network_id=network_id):
            if ipaddress.ip_address(address) in ipaddress.ip_network(subnet.cidr):
                return subnet.id
        raise exceptions.BadRequestException(f"no subnet of {network_id} holds {address}")

    def _delete(self, kind: str, resource: Any, ignore_missing: bool = True) -> None:
        rid = getattr(resource, "id", resource)
        if kind == "router" and self.router_ports(rid):
            raise exceptions.ConflictException(f"Router {rid} still has ports")
        super()._delete(kind, resource, ignore_missing)

    # --- router interfaces ----------------------------------------------------------------
    def add_interface_to_router(self, router, subnet=None, port=None, *, advertise_host=False):
        check_signature(NetworkAPI, "add_interface_to_router", (router,), {"subnet": subnet, "port": port})
        self.calls.append(("add_interface_to_router", (router,), {"subnet": subnet, "port": port}))
        router = self._get("router", router)
        if port is not None:
            self._update("port", port, device_id=router.id, device_owner="network:router_interface")
            return {"id": router.id, "port_id": port}
        target = self._get("subnet", subnet)
        if target.id in self.interfaces(router.id):
            raise exceptions.BadRequestException(f"Router already has a port on subnet {target.id}")
        created = self.add(
            "port",
            network_id=target.network_id,
            project_id=router.project_id,
            device_id=router.id,
            device_owner="network:router_interface",
            fixed_ips=[{"subnet_id": target.id, "ip_address": target.gateway_ip}],
        )
        return {"id": router.id, "subnet_id": target.id, "port_id": created.id}

    def remove_interface_from_router(self, router, subnet=None, port=None):
        check_signature(
            NetworkAPI, "remove_interface_from_router", (router,), {"subnet": subnet, "port": port}
        )
        self.calls.append(("remove_interface_from_router", (router,), {"subnet": subnet, "port": port}))
        router = self._get("router", router)
        for candidate in self.router_ports(router.id):
            ips = candidate.fixed_ips or []
            if candidate.id == port or any(ip["subnet_id"] == subnet for ip in ips):
                self.store["port"].pop(candidate.id)
                return {"id": router.id, "port_id": candidate.id}
        raise exceptions.NotFoundException(f"Router {router.id} has no interface on {subnet or port}")


def make_identity() -> FakeProxy:
    identity = FakeProxy({"domain": Domain, "project": Project}, real=IdentityAPI)
    identity.add("domain", id="default", name="Default")
    identity.add("project", id="demo-id", name="demo", domain_id="default")
    identity.add("project", id="other-id", name="other", domain_id="default")
    return identity


def make_compute() -> FakeProxy:
    return FakeProxy({"server": Server}, real=ComputeAPI)


class NetworkConnection(FakeConnection):
    """A connection scoped to the project ``demo`` (``current_project_id``), as a token is."""

    def __init__(
        self, network: NetworkProxy, identity: FakeProxy, compute: FakeProxy, project_id: str = "demo-id"
    ):
        super().__init__(network=network, identity=identity, compute=compute)
        self.current_project_id = project_id
