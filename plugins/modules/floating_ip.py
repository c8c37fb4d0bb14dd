#!/usr/bin/python
"""Module: a floating IP of a server or a port."""

from __future__ import annotations

DOCUMENTATION = r"""
module: floating_ip
author: stackwright developers
short_description: A floating IP on a server or a port
description:
  - C(state=present) makes sure the port (or the server's port) has a floating IP from the
    external I(network). Nothing changes when it has one; otherwise a new one is allocated and
    associated, or, with I(reuse), an unassociated one of the project is associated first.
  - With I(floating_ip_address), that address is the floating IP, allocated when missing,
    associated with the port (moved from another port if need be).
    Without I(server) and I(port), the address is only allocated.
  - C(state=absent) disassociates and releases the floating IP(s) of the port from that network
    (or the address I(floating_ip_address)).
options:
  network:
    description: The external network (name or id) the floating IP comes from.
    type: str
    required: true
  server:
    description:
      - The server (name or id) whose port gets the floating IP; a server with several ports
        needs I(fixed_address). Exclusive with I(port).
    type: str
  port:
    description: The port (name or id) that gets the floating IP; exclusive with I(server).
    type: str
  fixed_address:
    description:
      - The port's fixed address the floating IP is for (a port may have several); unset,
        neutron takes the port's first IPv4 address.
    type: str
  floating_ip_address:
    description: A specific floating address, to allocate (or find) rather than any free one.
    type: str
  reuse:
    description:
      - Whether an allocated but unassociated floating IP of the project (from I(network)) is
        used before a new one is allocated.
    type: bool
    default: false
  project:
    description:
      - Project (name or id) the floating IP is allocated to (and whose unassociated IPs
        I(reuse) considers); also where I(port) is looked up first. Unset, the project of the token.
    type: str
  description:
    description: Description of the floating IP.
    type: str
  state:
    description: C(present) makes sure the port has a floating IP; C(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - stackwright.cloud.openstack
attributes:
  check_mode:
    description: Reports whether a floating IP would be allocated, associated or released, without doing it.
    support: full
  diff_mode:
    description: Returns the floating IP before and after (an empty dict for none).
    support: full
"""

EXAMPLES = r"""
- name: The web server is reachable from the lab network
  stackwright.cloud.floating_ip:
    cloud: demo
    network: public
    server: web-1
  register: web_fip

- name: Show it
  ansible.builtin.debug:
    msg: "web-1 is at {{ web_fip.address }}"

- name: A well-known address on the load balancer's VIP port
  stackwright.cloud.floating_ip:
    cloud: demo
    network: public
    port: lb-vip
    floating_ip_address: 172.29.248.80

- name: Released
  stackwright.cloud.floating_ip:
    cloud: demo
    network: public
    server: web-1
    state: absent
"""

RETURN = r"""
floating_ip:
  description: The floating IP (C(null) when absent); in check mode, the would-be floating IP.
  type: dict
  returned: always
  sample: {"id": "e5f6...", "floating_ip_address": "172.29.248.57", "floating_network_id": "0c6b...",
           "port_id": "3f7a...", "fixed_ip_address": "10.10.0.20", "router_id": "9d1f...", "status": "ACTIVE"}
address:
  description: The floating address (C(null) when absent, or not known yet in check mode).
  type: str
  returned: always
  sample: 172.29.248.57
"""

import ipaddress
from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import StackwrightError
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    NotFoundError,
    ResourceModule,
    ResourceSpec,
    find_one,
    project_id,
)


def address(value):
    if value is None:
        return None
    try:
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError:
        raise StackwrightError(f"not an IP address: {value!r}") from None


def has_address(port, fixed):
    return any(address(ip.get("ip_address")) == fixed for ip in port.fixed_ips or [])


class FloatingIPModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        network=dict(type="str", required=True),
        server=dict(type="str"),
        port=dict(type="str"),
        fixed_address=dict(type="str"),
        floating_ip_address=dict(type="str"),
        reuse=dict(type="bool", default=False),
        project=dict(type="str"),
        description=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module_kwargs: ClassVar[dict] = dict(
        mutually_exclusive=[("server", "port")],
        required_one_of=[("server", "port", "floating_ip_address")],
    )
    spec = ResourceSpec(
        service="network",
        kind="ip",
        attributes={
            "floating_network_id": "floating_network_id",
            "floating_ip_address": "floating_ip_address",
            "port_id": "port_id",
            "fixed_ip_address": "fixed_ip_address",
            "description": "description",
            "project_id": "project_id",
        },
        updatable=("port_id", "fixed_ip_address", "description"),
        key=None,
        result_key="floating_ip",
    )

    #: Every floating IP found for the port on the network (absent releases them all).
    matched: ClassVar[tuple] = ()

    def target_port(self, project):
        """The port that gets the floating IP, or ``None`` (an address allocated only)."""
        p = self.params
        fixed = address(p["fixed_address"])
        if p["port"]:
            scope = project or getattr(self.conn, "current_project_id", None)
            found = find_one(self.proxy, "port", p["port"], project_id=scope) if scope else None
            return found or find_one(self.proxy, "port", p["port"], required=True)
        if not p["server"]:
            return None
        server = find_one(self.conn.compute, "server", p["server"], required=True)
        ports = list(self.proxy.ports(device_id=server.id))
        if fixed:
            ports = [port for port in ports if has_address(port, fixed)]
        if not ports:
            # nothing to release with state=absent
            what = f"no port with the address {fixed}" if fixed else "no port"
            raise NotFoundError(f"server {p['server']!r} has {what}")
        if len(ports) > 1:
            what = f"{len(ports)} ports"
            raise StackwrightError(
                f"server {p['server']!r} has {what}: "
                "give fixed_address (or port) to say which gets the floating IP"
            )
        return ports[0]

    def desired(self):
        p = self.params
        project = project_id(self.conn, p["project"])
        network = find_one(self.proxy, "network", p["network"], required=True, is_router_external=True)
        port = self.target_port(project)
        return {
            "floating_network_id": network.id,
            "floating_ip_address": address(p["floating_ip_address"]),
            "port_id": port.id if port else None,
            "fixed_ip_address": address(p["fixed_address"]),
            "description": p["description"],
            "project_id": project,
        }

    def label(self, desired):
        if desired.get("floating_ip_address"):
            return f"floating IP {desired['floating_ip_address']}"
        return f"the floating IP of port {desired.get('port_id')}"

    def find(self, desired):
        net = desired["floating_network_id"]
        if desired["floating_ip_address"]:
            query = {"floating_network_id": net, "floating_ip_address": desired["floating_ip_address"]}
        else:
            query = {"floating_network_id": net, "port_id": desired["port_id"]}
            if desired["fixed_ip_address"]:
                query["fixed_ip_address"] = desired["fixed_ip_address"]
        self.matched = tuple(sorted(self.proxy.ips(**query), key=lambda ip: ip.floating_ip_address or ""))
        if self.matched or self.absent or not self.params["reuse"] or desired["floating_ip_address"]:
            return self.matched[0] if self.matched else None
        scope = desired["project_id"] or getattr(self.conn, "current_project_id", None)
        owner = {"project_id": scope} if scope else {}
        free = [ip for ip in self.proxy.ips(floating_network_id=net, **owner) if not ip.port_id]
        return min(free, key=lambda ip: ip.floating_ip_address or "") if free else None

    def changes(self, resource, current, desired):
        # the project is where a new one is allocated (and reused ones come from), not compared
        return super().changes(resource, current, {**desired, "project_id": None})

    def delete(self, resource):
        for ip in self.matched or (resource,):
            self.proxy.delete_ip(ip, ignore_missing=True)

    def run(self):
        out = super().run()
        out["address"] = (out.get("floating_ip") or {}).get("floating_ip_address")
        return out


def main():
    FloatingIPModule()()


if __name__ == "__main__":
    main()
