#!/usr/bin/python
"""Module: a neutron router, its external gateway and its subnet interfaces."""

from __future__ import annotations

DOCUMENTATION = r"""
module: router
author: stackwright developers
short_description: A neutron router with its external gateway and interfaces
description:
  - Creates, updates or deletes a neutron router, found by name (or id) within its project.
  - With I(interfaces), the router ends with exactly the subnets listed attached; missing ones
    are added, others removed. Unset, interfaces are left as they are.
  - With I(external_gateway), the router's gateway is set, changed or (with C({})) removed.
  - Deleting the router removes its interfaces first (neutron refuses to delete a router that
    has some); a floating IP still using the router makes neutron refuse the removal.
  - I(project) is fixed at creation.
options:
  name:
    description: Name (or id, to find an existing one) of the router.
    type: str
    required: true
  project:
    description:
      - Project (name or id) owning the router; the router is looked up and created there, and
        the subnets of I(interfaces) are looked up there first.
      - Unset, the project of the token.
    type: str
  admin_state_up:
    description: Administrative state (neutron's default on create is C(true)).
    type: bool
  description:
    description: Description.
    type: str
  external_gateway:
    description:
      - The router's gateway on an external network; C({}) removes the gateway. Unset, the
        gateway is left as it is.
      - Only the keys given are compared (an unset I(enable_snat) or I(fixed_ips) is not).
    type: dict
    suboptions:
      network:
        description: The external network (name or id).
        type: str
      enable_snat:
        description: Whether traffic leaving through the gateway is SNATed (admin only by default policy).
        type: bool
      fixed_ips:
        description:
          - The gateway's addresses; an entry without I(ip_address) asks for any address of
            I(subnet). Compared as a set.
        type: list
        elements: dict
        suboptions:
          subnet:
            description: Subnet (name or id) of the external network.
            type: str
          ip_address:
            description: The address.
            type: str
  interfaces:
    description:
      - The subnets the router is attached to, exactly. Each entry is a subnet (name or id), or
        a dict with I(subnet) (and I(network) to look a subnet name up on one network), or with
        I(port), an existing port (name or id) to attach the router with (its subnets count as
        the interface's).
      - C([]) detaches every subnet. Unset, interfaces are left as they are.
    type: list
    elements: raw
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: The demo router, SNATing to the public network, serving two subnets
  stackwright.cloud.router:
    cloud: demo
    name: demo-router
    external_gateway:
      network: public
    interfaces:
      - demo-subnet
      - {subnet: db-subnet, network: db-net}

- name: A gateway with a fixed address (admin)
  stackwright.cloud.router:
    cloud: admin
    name: edge
    project: demo
    external_gateway:
      network: public
      enable_snat: false
      fixed_ips:
        - {subnet: public-subnet, ip_address: 172.29.248.10}

- name: Attach the router through a port created beforehand
  stackwright.cloud.router:
    cloud: demo
    name: demo-router
    interfaces:
      - demo-subnet
      - {port: vip-gateway-port}

- name: Detached and deleted
  stackwright.cloud.router:
    cloud: demo
    name: demo-router
    state: absent
"""

RETURN = r"""
router:
  description:
    - The router (C(null) when absent); in check mode, the would-be router.
    - C(interfaces) lists the ids of the subnets the router is attached to.
  type: dict
  returned: always
  sample: {"id": "9d1f...", "name": "demo-router", "project_id": "8a3c...", "is_admin_state_up": true,
           "external_gateway_info": {"network_id": "0c6b...", "enable_snat": true, "external_fixed_ips": [
               {"subnet_id": "5e1a...", "ip_address": "172.29.248.12"}]},
           "interfaces": ["77c2..."], "status": "ACTIVE"}
"""

import ipaddress
from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.network import entries_match, visible
from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import StackwrightError
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    find_one,
    project_id,
)

#: device_owner of a router's interface ports (legacy, DVR, HA); the gateway port is not one.
INTERFACE_OWNERS = (
    "network:router_interface",
    "network:router_interface_distributed",
    "network:ha_router_replicated_interface",
)


def address(value):
    if value is None:
        return None
    try:
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError:
        raise StackwrightError(f"not an IP address: {value!r}") from None


def gateway_view(info):
    """A router's gateway as compared and shown: ``{}`` for none."""
    if not info or not info.get("network_id"):
        return {}
    out = {"network_id": info["network_id"]}
    if info.get("enable_snat") is not None:
        out["enable_snat"] = info["enable_snat"]
    out["external_fixed_ips"] = [
        {"subnet_id": ip.get("subnet_id"), "ip_address": ip.get("ip_address")}
        for ip in info.get("external_fixed_ips") or []
    ]
    return out


def gateway_matches(wanted, current):
    """Whether the current gateway is the wanted one, on the keys the wanted one gives."""
    if not wanted:
        return not current
    if not current or current["network_id"] != wanted["network_id"]:
        return False
    if "enable_snat" in wanted and current.get("enable_snat") != wanted["enable_snat"]:
        return False
    return "external_fixed_ips" not in wanted or entries_match(
        wanted["external_fixed_ips"], current["external_fixed_ips"]
    )


class RouterModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        project=dict(type="str"),
        admin_state_up=dict(type="bool"),
        description=dict(type="str"),
        external_gateway=dict(
            type="dict",
            options=dict(
                network=dict(type="str"),
                enable_snat=dict(type="bool"),
                fixed_ips=dict(
                    type="list",
                    elements="dict",
                    options=dict(subnet=dict(type="str"), ip_address=dict(type="str")),
                ),
            ),
        ),
        interfaces=dict(type="list", elements="raw"),
    )
    spec = ResourceSpec(
        service="network",
        kind="router",
        attributes={
            "name": "name",
            "project_id": "project_id",
            "admin_state_up": "is_admin_state_up",
            "description": "description",
            "external_gateway": "external_gateway_info",
            "interfaces": "interfaces",
        },
        updatable=("admin_state_up", "description", "external_gateway", "interfaces"),
        scope=("project_id",),
        unordered=("interfaces",),
    )

    # --- desired state ----------------------------------------------------------------------
    def gateway(self):
        gw = self.params["external_gateway"]
        if gw is None:
            return None
        if not gw["network"]:
            if gw["enable_snat"] is not None or gw["fixed_ips"]:
                raise StackwrightError("external_gateway needs network (or is {} to remove the gateway)")
            return {}
        network = find_one(self.proxy, "network", gw["network"], required=True, is_router_external=True)
        out = {"network_id": network.id}
        if gw["enable_snat"] is not None:
            out["enable_snat"] = gw["enable_snat"]
        if gw["fixed_ips"] is not None:
            out["external_fixed_ips"] = []
            for ip in gw["fixed_ips"]:
                if not ip["subnet"] and not ip["ip_address"]:
                    raise StackwrightError("each external_gateway.fixed_ips entry needs subnet or ip_address")
                entry = {}
                if ip["subnet"]:
                    entry["subnet_id"] = find_one(
                        self.proxy, "subnet", ip["subnet"], required=True, network_id=network.id
                    ).id
                if ip["ip_address"]:
                    entry["ip_address"] = address(ip["ip_address"])
                out["external_fixed_ips"].append(entry)
        return out

    def interface_subnets(self, project):
        """Subnet ids of ``interfaces`` (``None``: unmanaged); fills ``via_port``: subnet id ->
        id of the port that attaches it, for the interfaces given as ports."""
        self.via_port = {}
        entries = self.params["interfaces"]
        if entries is None:
            return None
        subnets = []
        for item in entries:
            entry = {"subnet": item} if isinstance(item, str) else item
            if not isinstance(entry, dict) or not (entry.get("subnet") or entry.get("port")):
                raise StackwrightError(
                    f"interfaces: {item!r} is neither a subnet nor a dict with subnet or port"
                )
            unknown = set(entry) - {"subnet", "network", "port"}
            if unknown or (entry.get("subnet") and entry.get("port")):
                raise StackwrightError(f"interfaces: {entry!r}: give subnet (and network) or port")
            if entry.get("port"):
                port = visible(self.conn, "port", entry["port"], project)
                ids = [ip["subnet_id"] for ip in port.fixed_ips or []]
                if not ids:
                    raise StackwrightError(f"interfaces: port {entry['port']!r} has no fixed IP")
                self.via_port.update(dict.fromkeys(ids, port.id))
                subnets += ids
                continue
            filters = {}
            if entry.get("network"):
                filters["network_id"] = visible(self.conn, "network", entry["network"], project).id
            subnets.append(visible(self.conn, "subnet", entry["subnet"], project, **filters).id)
        return sorted(set(subnets))

    def desired(self):
        p = self.params
        project = project_id(self.conn, p["project"])
        if self.absent:
            return {"name": p["name"], "project_id": project}
        return {
            "name": p["name"],
            "project_id": project,
            "admin_state_up": p["admin_state_up"],
            "description": p["description"],
            "external_gateway": self.gateway(),
            "interfaces": self.interface_subnets(project),
        }

    # --- hooks ------------------------------------------------------------------------------
    def find(self, desired):
        scope = desired["project_id"] or getattr(self.conn, "current_project_id", None)
        filters = {"project_id": scope} if scope else {}
        return find_one(self.proxy, "router", desired["name"], **filters)

    def interfaces_of(self, router):
        """Ids of the subnets the router is attached to."""
        subnets = {
            ip["subnet_id"]
            for port in self.proxy.ports(device_id=router.id)
            if port.device_owner in INTERFACE_OWNERS
            for ip in port.fixed_ips or []
        }
        return sorted(subnets)

    def view(self, resource):
        current = super().view(resource)
        current["external_gateway"] = gateway_view(resource.external_gateway_info)
        current["interfaces"] = self.interfaces_of(resource)
        return current

    def changes(self, resource, current, desired):
        plain = {k: v for k, v in desired.items() if k != "external_gateway"}
        changes = super().changes(resource, current, plain)
        wanted = desired.get("external_gateway")
        if wanted is not None and not gateway_matches(wanted, current["external_gateway"]):
            changes["external_gateway"] = wanted
        return changes

    def sync_interfaces(self, router, wanted, current=()):
        for subnet in sorted(set(current) - set(wanted)):
            self.proxy.remove_interface_from_router(router, subnet=subnet)
        ports_added = set()
        for subnet in sorted(set(wanted) - set(current)):
            port = getattr(self, "via_port", {}).get(subnet)
            if port is None:
                self.proxy.add_interface_to_router(router, subnet=subnet)
            elif port not in ports_added:
                self.proxy.add_interface_to_router(router, port=port)
                ports_added.add(port)

    def create(self, attrs):
        attrs = dict(attrs)
        interfaces = attrs.pop("interfaces", None)
        router = self.proxy.create_router(**attrs)
        if interfaces:
            self.sync_interfaces(router, interfaces)
        return router

    def update(self, resource, attrs):
        attrs = dict(attrs)
        interfaces = attrs.pop("interfaces", None)
        if attrs:
            resource = self.proxy.update_router(resource, **attrs)
        if interfaces is not None:
            self.sync_interfaces(resource, interfaces, self.interfaces_of(resource))
        return resource

    def delete(self, resource):
        self.sync_interfaces(resource, [], self.interfaces_of(resource))
        self.proxy.delete_router(resource, ignore_missing=True)

    def result(self, resource):
        data = super().result(resource)
        if data is not None:
            data["interfaces"] = self.interfaces_of(resource)
        return data


def main():
    RouterModule()()


if __name__ == "__main__":
    main()
