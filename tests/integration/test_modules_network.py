"""The network modules against the AIO cloud's neutron (ML2/OVN).

The modules run as cloudmods.play runs them (in-process with Ansible's arguments; the network's
lifecycle through ansible-playbook), cloud `aio` from the inventory's clouds.yaml: created in
check mode (nothing appears), created for real (the diff is right), re-run (changed=false),
updated in check mode (nothing changes) and for real, deleted, and deleted again
(changed=false).

All the resources are API objects named sw-it-<random>-...; their subnets are 172.29.250.0/24
(the "external" network, a plain OVN network marked external, not bridged anywhere) and
172.29.251.0/24. The API is reached only at lab addresses (checked before the first request).
"""

from __future__ import annotations

import ipaddress

import pytest

from .cloudmods import connect, lifecycle, needs, new_prefix, play

pytestmark = pytest.mark.lab

EXT_CIDR = "172.29.250.0/24"
NET_CIDR = "172.29.251.0/24"


@pytest.fixture(scope="module")
def cloud(aio_cloud):
    conn = connect()
    needs(conn, "network")
    return conn


@pytest.fixture(scope="module")
def prefix(cloud):
    """The name prefix of this run's resources; whatever is left of them is removed at the end."""
    name = new_prefix()
    yield name
    cleanup(cloud, name)


def cleanup(conn, prefix: str) -> None:
    """Delete every resource named ``prefix``-..., in dependency order, ignoring what is gone."""
    net = conn.network
    mine = [n for n in net.networks() if (n.name or "").startswith(prefix)]
    for fip in net.ips():
        if fip.floating_network_id in {n.id for n in mine} or (fip.description or "").startswith(prefix):
            net.delete_ip(fip, ignore_missing=True)
    for router in net.routers():
        if (router.name or "").startswith(prefix):
            for port in net.ports(device_id=router.id):
                if port.device_owner != "network:router_gateway":
                    for ip in port.fixed_ips or []:
                        net.remove_interface_from_router(router, subnet=ip["subnet_id"])
            net.delete_router(router, ignore_missing=True)
    for port in net.ports():
        if (port.name or "").startswith(prefix):
            net.delete_port(port, ignore_missing=True)
    for network in mine:
        net.delete_network(network, ignore_missing=True)
    for group in net.security_groups():
        if (group.name or "").startswith(prefix):
            net.delete_security_group(group, ignore_missing=True)


# --- the tests --------------------------------------------------------------------------------
def test_network(cloud, prefix, tmp_path):
    name = f"{prefix}-net-a"
    created = lifecycle(
        tmp_path,
        "network",
        {"name": name, "description": "first", "mtu": 1400},
        lambda: cloud.network.find_network(name, ignore_missing=True),
        update={"description": "second", "mtu": 1300},
        via="playbook",
    )
    assert created["network"]["mtu"] == 1400
    assert created["diff"]["after"] == {"name": name, "description": "first", "mtu": 1400}


@pytest.fixture(scope="module")
def networks(cloud, prefix, tmp_path_factory):
    """An external network and a tenant network with a subnet each, made by the modules."""
    tmp = tmp_path_factory.mktemp("networks")
    ext = play(tmp, "network", {"name": f"{prefix}-ext", "external": True})["network"]
    ext_subnet = play(
        tmp,
        "subnet",
        {"name": f"{prefix}-ext-sub", "network": ext["id"], "cidr": EXT_CIDR, "enable_dhcp": False},
    )["subnet"]
    net = play(tmp, "network", {"name": f"{prefix}-net"})["network"]
    subnet = play(tmp, "subnet", {"name": f"{prefix}-sub", "network": net["id"], "cidr": NET_CIDR})["subnet"]
    return {"ext": ext, "ext_subnet": ext_subnet, "net": net, "subnet": subnet}


def test_subnet(cloud, prefix, networks, tmp_path):
    name = f"{prefix}-sub-b"
    args = {
        "name": name,
        "network": networks["net"]["id"],
        "cidr": "172.29.252.0/24",
        "allocation_pools": [{"start": "172.29.252.100", "end": "172.29.252.199"}],
        "dns_nameservers": ["172.29.236.53"],
    }
    lifecycle(
        tmp_path,
        "subnet",
        args,
        lambda: cloud.network.find_subnet(name, ignore_missing=True),
        update={"dns_nameservers": ["172.29.236.53", "172.29.236.54"], "no_gateway": True},
    )
    play(tmp_path, "subnet", args)
    refused = play(tmp_path, "subnet", {**args, "cidr": "172.29.253.0/24"}, fails=True)
    assert "cannot be changed in place" in refused["msg"] and "cidr" in refused["msg"]
    play(tmp_path, "subnet", {**args, "state": "absent"})


def test_security_group_and_rules(cloud, prefix, tmp_path):
    name = f"{prefix}-web"
    play(tmp_path, "security_group", {"name": name, "description": "web"})
    rule = {
        "security_group": name,
        "protocol": "tcp",
        "port_range_min": 443,
        "remote_ip_prefix": "172.29.0.0/16",
    }

    def find_rule():
        group = cloud.network.find_security_group(name, ignore_missing=True)
        matching = [
            r
            for r in cloud.network.security_group_rules(security_group_id=group.id)
            if r.direction == "ingress" and r.port_range_min == 443 and r.remote_ip_prefix == "172.29.0.0/16"
        ]
        return matching[0] if matching else None

    created = lifecycle(tmp_path, "security_group_rule", rule, find_rule)
    assert created["security_group_rule"]["port_range_max"] == 443
    # the same rule, spelled differently, is the same rule
    play(tmp_path, "security_group_rule", rule)
    assert (
        play(tmp_path, "security_group_rule", {**rule, "protocol": "6", "port_range_max": 443})["changed"]
        is False
    )
    play(tmp_path, "security_group_rule", {**rule, "state": "absent"})
    # the default egress rules can go
    egress6 = {"security_group": name, "direction": "egress", "ethertype": "IPv6", "state": "absent"}
    assert play(tmp_path, "security_group_rule", egress6)["changed"] is True
    assert play(tmp_path, "security_group_rule", egress6)["changed"] is False
    play(tmp_path, "security_group", {"name": name, "state": "absent"})
    lifecycle(
        tmp_path,
        "security_group",
        {"name": name, "description": "web"},
        lambda: cloud.network.find_security_group(name, ignore_missing=True),
        update={"description": "HTTPS only"},
    )


def test_port(cloud, prefix, networks, tmp_path):
    name = f"{prefix}-port"
    created = lifecycle(
        tmp_path,
        "port",
        {
            "name": name,
            "network": networks["net"]["id"],
            "fixed_ips": [{"subnet": networks["subnet"]["id"], "ip_address": "172.29.251.20"}],
        },
        lambda: cloud.network.find_port(name, ignore_missing=True),
        update={"allowed_address_pairs": [{"ip_address": "172.29.251.250"}], "description": "vip holder"},
    )
    assert created["port"]["fixed_ips"] == [
        {"subnet_id": networks["subnet"]["id"], "ip_address": "172.29.251.20"}
    ]


def test_router(cloud, prefix, networks, tmp_path):
    name = f"{prefix}-router"
    created = lifecycle(
        tmp_path,
        "router",
        {
            "name": name,
            "external_gateway": {"network": networks["ext"]["id"]},
            "interfaces": [networks["subnet"]["id"]],
        },
        lambda: cloud.network.find_router(name, ignore_missing=True),
        update={"interfaces": [], "description": "detached"},
    )
    assert created["router"]["interfaces"] == [networks["subnet"]["id"]]
    assert created["router"]["external_gateway_info"]["network_id"] == networks["ext"]["id"]
    gateway_ips = created["router"]["external_gateway_info"]["external_fixed_ips"]
    assert all(ipaddress.ip_address(ip["ip_address"]) in ipaddress.ip_network(EXT_CIDR) for ip in gateway_ips)


def test_floating_ip(cloud, prefix, networks, tmp_path):
    router = {
        "name": f"{prefix}-fip-router",
        "external_gateway": {"network": networks["ext"]["id"]},
        "interfaces": [networks["subnet"]["id"]],
    }
    play(tmp_path, "router", router)
    port = play(tmp_path, "port", {"name": f"{prefix}-fip-port", "network": networks["net"]["id"]})["port"]
    args = {"network": networks["ext"]["id"], "port": port["id"], "description": f"{prefix}-fip"}

    def find_fip():
        found = list(cloud.network.ips(port_id=port["id"]))
        return found[0] if found else None

    created = lifecycle(
        tmp_path, "floating_ip", args, find_fip, update={"description": f"{prefix}-fip-2"}, key="floating_ip"
    )
    assert ipaddress.ip_address(created["address"]) in ipaddress.ip_network(EXT_CIDR)
    assert created["floating_ip"]["port_id"] == port["id"]
    # a specific address
    wanted = "172.29.250.77"
    fixed = play(tmp_path, "floating_ip", {**args, "floating_ip_address": wanted})
    assert fixed["changed"] is True and fixed["address"] == wanted
    assert play(tmp_path, "floating_ip", {**args, "floating_ip_address": wanted})["changed"] is False
    assert play(tmp_path, "floating_ip", {**args, "state": "absent"})["changed"] is True
    play(tmp_path, "router", {**router, "state": "absent"})
    play(
        tmp_path, "port", {"name": f"{prefix}-fip-port", "network": networks["net"]["id"], "state": "absent"}
    )


def test_network_info(cloud, prefix, networks, tmp_path):
    out = play(tmp_path, "network_info", {"resource": "networks", "name": f"{prefix}-ext"}, diff=False)
    assert out["changed"] is False and [n["id"] for n in out["items"]] == [networks["ext"]["id"]]
    assert out["items"][0]["is_router_external"] is True
    subnets = play(
        tmp_path, "network_info", {"resource": "subnets", "filters": {"network_id": networks["net"]["id"]}}
    )
    assert [s["cidr"] for s in subnets["items"]] == [NET_CIDR]
    agents = play(tmp_path, "network_info", {"resource": "agents"})
    assert agents["items"], "neutron reports no agent (OVN controller / metadata agent)"
