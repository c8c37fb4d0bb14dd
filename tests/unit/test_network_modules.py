"""The network modules on an in-memory neutron: lookups, comparisons, updates, check mode, diff."""

from __future__ import annotations

import pytest
from ansible_collections.stackwright.cloud.plugins.modules import (
    floating_ip,
    network,
    network_info,
    port,
    router,
    security_group,
    security_group_rule,
    subnet,
)

from tests.unit.openstack_fakes import run_module
from tests.unit.openstack_fakes_network import NetworkConnection, NetworkProxy, make_compute, make_identity


@pytest.fixture
def neutron():
    return NetworkProxy(project_id="demo-id")


@pytest.fixture
def compute():
    return make_compute()


@pytest.fixture
def conn(neutron, compute):
    return NetworkConnection(network=neutron, identity=make_identity(), compute=compute, project_id="demo-id")


@pytest.fixture
def run(capsys, conn):
    def _run(module, args, check=False, diff=True):
        return run_module(capsys, module, args, conn, check=check, diff=diff)

    return _run


@pytest.fixture
def public(neutron):
    """The admin's external network and its subnet (172.29.248.0/24)."""
    net = neutron.add("network", name="public", project_id="admin-id", is_router_external=True)
    sub = neutron.add(
        "subnet",
        name="public-subnet",
        network_id=net.id,
        cidr="172.29.248.0/24",
        gateway_ip="172.29.248.1",
        ip_version=4,
    )
    neutron.store["network"][net.id].subnet_ids = [sub.id]
    return net, sub


@pytest.fixture
def private(neutron):
    """The demo project's network with two subnets, and a third network with one."""
    net = neutron.add("network", name="demo-net", project_id="demo-id")
    a = neutron.add(
        "subnet",
        name="a",
        network_id=net.id,
        project_id="demo-id",
        cidr="10.0.1.0/24",
        gateway_ip="10.0.1.1",
        ip_version=4,
    )
    b = neutron.add(
        "subnet",
        name="b",
        network_id=net.id,
        project_id="demo-id",
        cidr="10.0.2.0/24",
        gateway_ip="10.0.2.1",
        ip_version=4,
    )
    other = neutron.add("network", name="db-net", project_id="demo-id")
    c = neutron.add(
        "subnet",
        name="c",
        network_id=other.id,
        project_id="demo-id",
        cidr="10.0.3.0/24",
        gateway_ip="10.0.3.1",
        ip_version=4,
    )
    neutron.store["network"][net.id].subnet_ids = [a.id, b.id]
    return {"net": net, "db": other, "a": a, "b": b, "c": c}


MUTATING = ("create", "update", "delete", "add", "remove")


def mutations(proxy):
    return [name for name, _, _ in proxy.calls if name.startswith(MUTATING)]


def last_mutation(proxy):
    return next(call for call in reversed(proxy.calls) if call[0].startswith(MUTATING))


# --- documentation --------------------------------------------------------------------------------
# --- network --------------------------------------------------------------------------------------
def test_network_created_in_the_tokens_project_then_unchanged(run, neutron):
    args = {"name": "demo-net", "mtu": 1400, "description": "Demo", "port_security_enabled": True}
    check = run(network.NetworkModule, args, check=True)
    assert check["changed"] is True and mutations(neutron) == []
    assert check["network"] == {
        "id": None,
        "name": "demo-net",
        "mtu": 1400,
        "description": "Demo",
        "is_port_security_enabled": True,
    }
    out = run(network.NetworkModule, args)
    assert out["changed"] is True and out["diff"] == check["diff"]
    assert neutron.calls[-1] == (
        "create_network",
        (),
        {"name": "demo-net", "mtu": 1400, "description": "Demo", "is_port_security_enabled": True},
    )
    assert out["network"]["project_id"] == "demo-id"
    again = run(network.NetworkModule, args)
    assert again["changed"] is False and mutations(neutron) == ["create_network"]
    assert again["diff"]["before"] == again["diff"]["after"]


def test_network_names_are_scoped_by_project(run, neutron):
    mine = neutron.add("network", name="private", project_id="demo-id", description="mine")
    theirs = neutron.add("network", name="private", project_id="other-id", description="theirs")
    out = run(network.NetworkModule, {"name": "private"})
    assert out["changed"] is False and out["network"]["id"] == mine.id
    out = run(network.NetworkModule, {"name": "private", "project": "other", "description": "updated"})
    assert out["changed"] is True and neutron.calls[-1][1][0].id == theirs.id
    assert neutron.calls[-1][2] == {"description": "updated"}
    created = run(network.NetworkModule, {"name": "private", "project": "demo", "state": "absent"})
    assert created["changed"] is True and mine.id not in neutron.store["network"]
    assert theirs.id in neutron.store["network"]


def test_network_updates_what_neutron_allows(run, neutron):
    neutron.add(
        "network", name="public", project_id="demo-id", mtu=1500, is_router_external=False, is_shared=False
    )
    out = run(network.NetworkModule, {"name": "public", "external": True, "mtu": 1450, "shared": False})
    assert out["changed"] is True
    assert neutron.calls[-1][0] == "update_network"
    assert neutron.calls[-1][2] == {"is_router_external": True, "mtu": 1450}
    assert out["diff"]["before"]["external"] is False and out["diff"]["after"]["external"] is True
    assert out["diff"]["before"]["mtu"] == 1500 and out["diff"]["after"]["mtu"] == 1450


def test_network_provider_attributes_are_create_only(run, neutron):
    neutron.add(
        "network",
        name="vlan",
        project_id="demo-id",
        provider_network_type="vlan",
        provider_segmentation_id=10,
    )
    out = run(network.NetworkModule, {"name": "vlan", "provider_segmentation_id": 11})
    assert out["failed"] is True
    assert "provider_segmentation_id (10 -> 11)" in out["msg"] and "cannot be changed in place" in out["msg"]
    assert mutations(neutron) == []


def test_network_absent_in_a_missing_project_changes_nothing(run, neutron):
    neutron.add("network", name="n", project_id="demo-id")
    out = run(network.NetworkModule, {"name": "n", "project": "nowhere", "state": "absent"})
    assert out["changed"] is False and mutations(neutron) == []


# --- subnet ---------------------------------------------------------------------------------------
def test_subnet_created_with_pools_routes_and_dns(run, neutron, private):
    args = {
        "name": "web",
        "network": "demo-net",
        "cidr": "10.0.9.0/24",
        "dns_nameservers": ["10.0.0.53", "10.0.1.53"],
        "allocation_pools": [{"start": "10.0.9.100", "end": "10.0.9.199"}],
        "host_routes": [{"destination": "192.168.0.0/16", "nexthop": "10.0.9.254"}],
    }
    out = run(subnet.SubnetModule, args)
    assert out["changed"] is True
    assert neutron.calls[-1] == (
        "create_subnet",
        (),
        {
            "name": "web",
            "network_id": private["net"].id,
            "cidr": "10.0.9.0/24",
            "ip_version": 4,
            "dns_nameservers": ["10.0.0.53", "10.0.1.53"],
            "allocation_pools": [{"start": "10.0.9.100", "end": "10.0.9.199"}],
            "host_routes": [{"destination": "192.168.0.0/16", "nexthop": "10.0.9.254"}],
        },
    )
    assert out["subnet"]["gateway_ip"] == "10.0.9.1"
    reordered = {**args, "allocation_pools": [{"end": "10.0.9.199", "start": "10.0.9.100"}]}
    assert run(subnet.SubnetModule, reordered)["changed"] is False
    swapped = run(subnet.SubnetModule, {**args, "dns_nameservers": ["10.0.1.53", "10.0.0.53"]})
    assert swapped["changed"] is True and neutron.calls[-1][2] == {
        "dns_nameservers": ["10.0.1.53", "10.0.0.53"]
    }


def test_subnet_no_gateway_on_create_and_on_update(run, neutron, private):
    out = run(
        subnet.SubnetModule, {"name": "iso", "network": "demo-net", "cidr": "10.0.8.0/24", "no_gateway": True}
    )
    assert out["changed"] is True and neutron.calls[-1][2]["gateway_ip"] is None
    assert out["subnet"]["gateway_ip"] is None
    assert (
        run(
            subnet.SubnetModule,
            {"name": "iso", "network": "demo-net", "cidr": "10.0.8.0/24", "no_gateway": True},
        )["changed"]
        is False
    )
    removed = run(
        subnet.SubnetModule, {"name": "a", "network": "demo-net", "cidr": "10.0.1.0/24", "no_gateway": True}
    )
    assert removed["changed"] is True
    assert neutron.calls[-1][0] == "update_subnet" and neutron.calls[-1][2] == {"gateway_ip": None}
    assert (
        removed["diff"]["before"]["gateway_ip"] == "10.0.1.1" and "gateway_ip" not in removed["diff"]["after"]
    )


def test_subnet_cidr_is_create_only_and_ipv6_is_canonical(run, neutron, private):
    out = run(subnet.SubnetModule, {"name": "a", "network": "demo-net", "cidr": "10.0.100.0/24"})
    assert out["failed"] is True and "cidr ('10.0.1.0/24' -> '10.0.100.0/24')" in out["msg"]
    v6 = {"name": "v6", "network": "demo-net", "cidr": "2001:DB8:0:0::/64", "ipv6_address_mode": "slaac"}
    created = run(subnet.SubnetModule, v6)
    assert created["changed"] is True and neutron.calls[-1][2]["cidr"] == "2001:db8::/64"
    assert neutron.calls[-1][2]["ip_version"] == 6
    assert run(subnet.SubnetModule, v6)["changed"] is False
    wrong = run(subnet.SubnetModule, {**v6, "name": "v6b", "ip_version": 4})
    assert wrong["failed"] is True and "not an IPv4 range" in wrong["msg"]


def test_subnet_on_a_shared_network_of_another_project(run, neutron):
    shared = neutron.add("network", name="shared-net", project_id="admin-id", is_shared=True)
    out = run(subnet.SubnetModule, {"name": "s", "network": "shared-net", "cidr": "10.5.0.0/24"})
    assert out["changed"] is True and neutron.calls[-1][2]["network_id"] == shared.id


def test_subnet_needs_a_cidr_unless_absent(run, neutron, private):
    out = run(subnet.SubnetModule, {"name": "x", "network": "demo-net"})
    assert out["failed"] is True and "cidr" in out["msg"]
    gone = run(subnet.SubnetModule, {"name": "b", "network": "demo-net", "state": "absent"})
    assert gone["changed"] is True and private["b"].id not in neutron.store["subnet"]
    missing_net = run(subnet.SubnetModule, {"name": "b", "network": "nowhere", "state": "absent"})
    assert missing_net["changed"] is False


# --- router ---------------------------------------------------------------------------------------
def test_router_created_with_gateway_and_interfaces(run, neutron, public, private):
    ext, _ = public
    args = {
        "name": "r1",
        "external_gateway": {"network": "public"},
        "interfaces": ["a", {"subnet": "c", "network": "db-net"}],
    }
    check = run(router.RouterModule, args, check=True)
    assert check["changed"] is True and mutations(neutron) == []
    assert check["diff"]["after"]["interfaces"] == sorted([private["a"].id, private["c"].id])
    out = run(router.RouterModule, args)
    assert out["changed"] is True and out["diff"] == check["diff"]
    assert mutations(neutron) == ["create_router", "add_interface_to_router", "add_interface_to_router"]
    created = next(c for c in neutron.calls if c[0] == "create_router")
    assert created[2] == {"name": "r1", "external_gateway_info": {"network_id": ext.id}}
    rid = out["router"]["id"]
    assert neutron.interfaces(rid) == sorted([private["a"].id, private["c"].id])
    assert out["router"]["interfaces"] == neutron.interfaces(rid)
    # neutron fills the gateway in: enable_snat and an address, not compared unless given
    neutron.store["router"][rid].external_gateway_info = {
        "network_id": ext.id,
        "enable_snat": True,
        "external_fixed_ips": [{"subnet_id": public[1].id, "ip_address": "172.29.248.20"}],
    }
    neutron.calls.clear()
    again = run(router.RouterModule, {**args, "interfaces": [{"subnet": "c"}, "a"]})
    assert again["changed"] is False and mutations(neutron) == []


def test_router_ends_with_exactly_the_listed_interfaces(run, neutron, private):
    r = neutron.add("router", name="r1", project_id="demo-id")
    neutron.add_interface_to_router(r.id, subnet=private["a"].id)
    neutron.add_interface_to_router(r.id, subnet=private["b"].id)
    neutron.calls.clear()
    args = {"name": "r1", "interfaces": ["b", "c"]}
    check = run(router.RouterModule, args, check=True)
    assert check["changed"] is True and mutations(neutron) == []
    assert check["diff"]["before"]["interfaces"] == sorted([private["a"].id, private["b"].id])
    assert check["diff"]["after"]["interfaces"] == sorted([private["b"].id, private["c"].id])
    out = run(router.RouterModule, args)
    assert out["changed"] is True
    assert [
        (c[0], c[2])
        for c in neutron.calls
        if c[0].endswith("interface_from_router") or c[0].endswith("interface_to_router")
    ] == [
        ("remove_interface_from_router", {"subnet": private["a"].id, "port": None}),
        ("add_interface_to_router", {"subnet": private["c"].id, "port": None}),
    ]
    assert neutron.interfaces(r.id) == sorted([private["b"].id, private["c"].id])
    assert run(router.RouterModule, args)["changed"] is False
    unmanaged = run(router.RouterModule, {"name": "r1", "description": "x"})
    assert unmanaged["changed"] is True and neutron.interfaces(r.id) == sorted(
        [private["b"].id, private["c"].id]
    )
    assert mutations(neutron)[-1] == "update_router"
    none = run(router.RouterModule, {"name": "r1", "interfaces": []})
    assert none["changed"] is True and neutron.interfaces(r.id) == []


def test_router_interface_through_a_port(run, neutron, private):
    p = neutron.add(
        "port",
        name="gw-port",
        network_id=private["net"].id,
        project_id="demo-id",
        fixed_ips=[{"subnet_id": private["b"].id, "ip_address": "10.0.2.254"}],
    )
    out = run(router.RouterModule, {"name": "r2", "interfaces": ["a", {"port": "gw-port"}]})
    assert out["changed"] is True
    adds = [c[2] for c in neutron.calls if c[0] == "add_interface_to_router"]
    assert {"subnet": private["a"].id, "port": None} in adds and {"subnet": None, "port": p.id} in adds
    assert (
        run(router.RouterModule, {"name": "r2", "interfaces": ["a", {"port": "gw-port"}]})["changed"] is False
    )
    bad = run(router.RouterModule, {"name": "r2", "interfaces": [{"subnet": "a", "port": "gw-port"}]})
    assert bad["failed"] is True and "give subnet (and network) or port" in bad["msg"]


def test_router_gateway_changes_and_removal(run, neutron, public):
    ext, ext_subnet = public
    info = {
        "network_id": ext.id,
        "enable_snat": True,
        "external_fixed_ips": [{"subnet_id": ext_subnet.id, "ip_address": "172.29.248.20"}],
    }
    neutron.add("router", name="r1", project_id="demo-id", external_gateway_info=info)
    same = {"network": "public", "fixed_ips": [{"subnet": "public-subnet"}]}
    assert run(router.RouterModule, {"name": "r1", "external_gateway": same})["changed"] is False
    moved = {"network": "public", "enable_snat": False, "fixed_ips": [{"ip_address": "172.29.248.30"}]}
    out = run(router.RouterModule, {"name": "r1", "external_gateway": moved})
    assert out["changed"] is True
    assert last_mutation(neutron)[0] == "update_router"
    assert last_mutation(neutron)[2] == {
        "external_gateway_info": {
            "network_id": ext.id,
            "enable_snat": False,
            "external_fixed_ips": [{"ip_address": "172.29.248.30"}],
        }
    }
    assert out["diff"]["before"]["external_gateway"] == info
    removed = run(router.RouterModule, {"name": "r1", "external_gateway": {}})
    assert removed["changed"] is True and last_mutation(neutron)[2] == {"external_gateway_info": {}}
    assert removed["diff"]["after"]["external_gateway"] == {}
    neutron.store["router"][removed["router"]["id"]].external_gateway_info = None
    assert run(router.RouterModule, {"name": "r1", "external_gateway": {}})["changed"] is False


def test_router_gateway_network_must_be_external(run, neutron, private):
    out = run(router.RouterModule, {"name": "r1", "external_gateway": {"network": "demo-net"}})
    assert (
        out["failed"] is True and "network 'demo-net' not found (with is_router_external=True)" in out["msg"]
    )
    snat_only = run(router.RouterModule, {"name": "r1", "external_gateway": {"enable_snat": False}})
    assert snat_only["failed"] is True and "external_gateway needs network" in snat_only["msg"]


def test_router_absent_detaches_then_deletes(run, neutron, private):
    r = neutron.add("router", name="r1", project_id="demo-id")
    neutron.add_interface_to_router(r.id, subnet=private["a"].id)
    neutron.calls.clear()
    check = run(router.RouterModule, {"name": "r1", "state": "absent"}, check=True)
    assert check["changed"] is True and mutations(neutron) == []
    out = run(router.RouterModule, {"name": "r1", "state": "absent"})
    assert out["changed"] is True and out["router"] is None
    assert mutations(neutron) == ["remove_interface_from_router", "delete_router"]
    assert out["diff"] == {
        "before": {
            "name": "r1",
            "project_id": "demo-id",
            "external_gateway": {},
            "interfaces": [private["a"].id],
        },
        "after": {},
    }


# --- port -----------------------------------------------------------------------------------------
def test_port_created_with_addresses_and_groups(run, neutron, private):
    web = neutron.add("security_group", name="web", project_id="demo-id")
    neutron.add("security_group", name="web", project_id="other-id")
    default = neutron.add("security_group", name="default", project_id="demo-id")
    args = {
        "name": "p1",
        "network": "demo-net",
        "fixed_ips": [{"subnet": "a", "ip_address": "10.0.1.20"}, {"subnet": "b"}],
        "security_groups": ["web", "default"],
    }
    out = run(port.PortModule, args)
    assert out["changed"] is True
    assert neutron.calls[-1] == (
        "create_port",
        (),
        {
            "name": "p1",
            "network_id": private["net"].id,
            "fixed_ips": [
                {"subnet_id": private["a"].id, "ip_address": "10.0.1.20"},
                {"subnet_id": private["b"].id},
            ],
            "security_group_ids": [web.id, default.id],
        },
    )
    assert out["port"]["fixed_ips"][1]["ip_address"].startswith("10.0.2.")
    again = run(port.PortModule, {**args, "security_groups": ["default", "web"]})
    assert again["changed"] is False and mutations(neutron) == ["create_port"]


def test_port_updates_pairs_security_and_addresses(run, neutron, private):
    p = neutron.add(
        "port",
        name="p1",
        network_id=private["net"].id,
        project_id="demo-id",
        mac_address="fa:16:3e:00:00:01",
        fixed_ips=[{"subnet_id": private["a"].id, "ip_address": "10.0.1.20"}],
        security_group_ids=["sg-1"],
        is_port_security_enabled=True,
        allowed_address_pairs=[{"ip_address": "10.0.1.250", "mac_address": "fa:16:3e:00:00:01"}],
    )
    assert (
        run(
            port.PortModule,
            {"name": "p1", "network": "demo-net", "allowed_address_pairs": [{"ip_address": "10.0.1.250"}]},
        )["changed"]
        is False
    )
    args = {
        "name": "p1",
        "network": "demo-net",
        "fixed_ips": [{"ip_address": "10.0.1.21"}],
        "allowed_address_pairs": [],
        "security_groups": [],
        "port_security_enabled": False,
    }
    check = run(port.PortModule, args, check=True)
    assert check["changed"] is True and mutations(neutron) == []
    assert check["port"]["is_port_security_enabled"] is False
    out = run(port.PortModule, args)
    assert neutron.calls[-1][0] == "update_port" and neutron.calls[-1][1][0].id == p.id
    assert neutron.calls[-1][2] == {
        "fixed_ips": [{"ip_address": "10.0.1.21"}],
        "security_group_ids": [],
        "is_port_security_enabled": False,
        "allowed_address_pairs": [],
    }
    assert (
        out["diff"]["before"]["security_groups"] == ["sg-1"] and out["diff"]["after"]["security_groups"] == []
    )


def test_port_mac_is_create_only_and_network_required(run, neutron, private):
    neutron.add(
        "port", name="p1", network_id=private["net"].id, project_id="demo-id", mac_address="fa:16:3e:00:00:01"
    )
    same = run(port.PortModule, {"name": "p1", "network": "demo-net", "mac_address": "FA:16:3E:00:00:01"})
    assert same["changed"] is False
    out = run(port.PortModule, {"name": "p1", "network": "demo-net", "mac_address": "fa:16:3e:00:00:02"})
    assert out["failed"] is True and "mac_address" in out["msg"] and mutations(neutron) == []
    other_net = run(port.PortModule, {"name": "p1", "network": "db-net"})
    assert (
        other_net["changed"] is True and neutron.calls[-1][0] == "create_port"
    )  # another network, another port


# --- security_group -------------------------------------------------------------------------------
def test_security_group_scoped_created_updated_deleted(run, neutron):
    neutron.add("security_group", name="default", project_id="other-id", description="theirs")
    mine = neutron.add("security_group", name="default", project_id="demo-id", description="Default")
    assert run(security_group.SecurityGroupModule, {"name": "default"})["security_group"]["id"] == mine.id
    out = run(security_group.SecurityGroupModule, {"name": "web", "description": "Web", "stateful": True})
    assert out["changed"] is True
    assert neutron.calls[-1] == (
        "create_security_group",
        (),
        {"name": "web", "description": "Web", "stateful": True},
    )
    rules = neutron._list("security_group_rule", security_group_id=out["security_group"]["id"])
    assert sorted(r.ether_type for r in rules) == ["IPv4", "IPv6"]
    changed = run(
        security_group.SecurityGroupModule, {"name": "web", "description": "HTTP", "stateful": False}
    )
    assert neutron.calls[-1][2] == {"description": "HTTP", "stateful": False}
    assert changed["diff"]["before"]["description"] == "Web"
    gone = run(security_group.SecurityGroupModule, {"name": "web", "state": "absent"})
    assert gone["changed"] is True and mutations(neutron)[-1] == "delete_security_group"


# --- security_group_rule --------------------------------------------------------------------------
@pytest.fixture
def web(neutron):
    group = neutron.add("security_group", name="web", project_id="demo-id")
    for ethertype in ("IPv4", "IPv6"):
        neutron.add(
            "security_group_rule", security_group_id=group.id, direction="egress", ether_type=ethertype
        )
    return group


def test_rule_created_once_and_found_by_all_its_attributes(run, neutron, web):
    args = {
        "security_group": "web",
        "protocol": "tcp",
        "port_range_min": 22,
        "remote_ip_prefix": "172.29.236.7/24",
    }
    check = run(security_group_rule.SecurityGroupRuleModule, args, check=True)
    assert check["changed"] is True and mutations(neutron) == []
    assert check["diff"] == {
        "before": {},
        "after": {
            "security_group_id": web.id,
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "port_range_min": 22,
            "port_range_max": 22,
            "remote_ip_prefix": "172.29.236.0/24",
        },
    }
    out = run(security_group_rule.SecurityGroupRuleModule, args)
    assert out["changed"] is True and out["diff"] == check["diff"]
    assert neutron.calls[-1] == (
        "create_security_group_rule",
        (),
        {
            "security_group_id": web.id,
            "direction": "ingress",
            "ether_type": "IPv4",
            "protocol": "tcp",
            "port_range_min": 22,
            "port_range_max": 22,
            "remote_ip_prefix": "172.29.236.0/24",
        },
    )
    same = {**args, "protocol": "6", "port_range_max": 22, "description": "not compared"}
    assert run(security_group_rule.SecurityGroupRuleModule, same)["changed"] is False
    other_port = run(security_group_rule.SecurityGroupRuleModule, {**args, "port_range_min": 2222})
    assert other_port["changed"] is True and mutations(neutron) == ["create_security_group_rule"] * 2
    gone = run(security_group_rule.SecurityGroupRuleModule, {**args, "state": "absent"})
    assert gone["changed"] is True and gone["security_group_rule"] is None
    assert run(security_group_rule.SecurityGroupRuleModule, {**args, "state": "absent"})["changed"] is False


def test_rule_equivalences(run, neutron, web):
    neutron.add(
        "security_group_rule",
        security_group_id=web.id,
        direction="ingress",
        ether_type="IPv4",
        protocol="tcp",
        port_range_min=1,
        port_range_max=65535,
    )
    neutron.add(
        "security_group_rule",
        security_group_id=web.id,
        direction="ingress",
        ether_type="IPv6",
        protocol="ipv6-icmp",
    )
    every_port = {"security_group": "web", "protocol": "TCP", "remote_ip_prefix": "0.0.0.0/0"}
    assert run(security_group_rule.SecurityGroupRuleModule, every_port)["changed"] is False
    icmp6 = {"security_group": "web", "protocol": "icmp", "ethertype": "IPv6"}
    assert run(security_group_rule.SecurityGroupRuleModule, icmp6)["changed"] is False
    assert mutations(neutron) == []


def test_rule_absent_removes_only_the_matching_default_egress(run, neutron, web):
    out = run(
        security_group_rule.SecurityGroupRuleModule,
        {"security_group": "web", "direction": "egress", "ethertype": "IPv6", "state": "absent"},
    )
    assert out["changed"] is True
    remaining = neutron._list("security_group_rule", security_group_id=web.id)
    assert [(r.direction, r.ether_type) for r in remaining] == [("egress", "IPv4")]
    assert out["diff"]["before"] == {"security_group_id": web.id, "direction": "egress", "ethertype": "IPv6"}


def test_rule_remote_group_and_input_errors(run, neutron, web):
    db = neutron.add("security_group", name="db", project_id="demo-id")
    out = run(
        security_group_rule.SecurityGroupRuleModule,
        {"security_group": "db", "protocol": "tcp", "port_range_min": 5432, "remote_group": "web"},
    )
    assert out["changed"] is True
    assert (
        neutron.calls[-1][2]["remote_group_id"] == web.id
        and neutron.calls[-1][2]["security_group_id"] == db.id
    )
    mismatch = run(
        security_group_rule.SecurityGroupRuleModule,
        {"security_group": "web", "ethertype": "IPv4", "remote_ip_prefix": "2001:db8::/64"},
    )
    assert mismatch["failed"] is True and "not an IPv4 range" in mismatch["msg"]
    no_protocol = run(
        security_group_rule.SecurityGroupRuleModule, {"security_group": "web", "port_range_min": 80}
    )
    assert no_protocol["failed"] is True and "needs a protocol" in no_protocol["msg"]
    both = run(
        security_group_rule.SecurityGroupRuleModule,
        {"security_group": "web", "remote_group": "db", "remote_ip_prefix": "10.0.0.0/8"},
    )
    assert both["failed"] is True and "mutually exclusive" in both["msg"]
    missing = run(security_group_rule.SecurityGroupRuleModule, {"security_group": "nope", "state": "absent"})
    assert missing["changed"] is False


def test_rule_identity_helpers():
    identity = security_group_rule.identity
    base = {
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "udp",
        "port_range_min": 53,
        "port_range_max": 53,
    }
    assert identity(base) == identity({**base, "protocol": "17"})
    assert identity(base) != identity({**base, "direction": "egress"})
    assert identity({**base, "remote_ip_prefix": "::/0", "ethertype": "IPv6"}) == identity(
        {**base, "ethertype": "IPv6"}
    )
    assert security_group_rule.protocol_number("any", "IPv4") is None
    assert security_group_rule.protocol_number("vrrp", "IPv4") == 112


# --- floating_ip ----------------------------------------------------------------------------------
@pytest.fixture
def server_port(neutron, compute, private, public):
    server = compute.add("server", name="web-1")
    p = neutron.add(
        "port",
        name="web-1-port",
        network_id=private["net"].id,
        project_id="demo-id",
        device_id=server.id,
        device_owner="compute:nova",
        fixed_ips=[{"subnet_id": private["a"].id, "ip_address": "10.0.1.5"}],
    )
    return server, p


def test_floating_ip_allocated_once_for_a_server(run, neutron, public, server_port):
    ext, _ = public
    _, p = server_port
    args = {"network": "public", "server": "web-1"}
    check = run(floating_ip.FloatingIPModule, args, check=True)
    assert check["changed"] is True and mutations(neutron) == [] and check["address"] is None
    assert check["diff"] == {"before": {}, "after": {"floating_network_id": ext.id, "port_id": p.id}}
    out = run(floating_ip.FloatingIPModule, args)
    assert out["changed"] is True
    assert neutron.calls[-1] == ("create_ip", (), {"floating_network_id": ext.id, "port_id": p.id})
    assert out["address"] == out["floating_ip"]["floating_ip_address"]
    assert out["address"].startswith("172.29.248.")
    again = run(floating_ip.FloatingIPModule, args)
    assert again["changed"] is False and again["address"] == out["address"]
    assert mutations(neutron) == ["create_ip"]
    gone = run(floating_ip.FloatingIPModule, {**args, "state": "absent"})
    assert gone["changed"] is True and gone["address"] is None and neutron.store["ip"] == {}
    assert gone["diff"]["before"]["floating_ip_address"] == out["address"]
    assert run(floating_ip.FloatingIPModule, {**args, "state": "absent"})["changed"] is False


def test_floating_ip_reuse_associates_a_free_one(run, neutron, public, server_port):
    ext, _ = public
    _, p = server_port
    neutron.add("ip", floating_network_id=ext.id, floating_ip_address="172.29.248.99", project_id="other-id")
    free = neutron.add(
        "ip", floating_network_id=ext.id, floating_ip_address="172.29.248.50", project_id="demo-id"
    )
    out = run(floating_ip.FloatingIPModule, {"network": "public", "port": "web-1-port", "reuse": True})
    assert out["changed"] is True and out["address"] == "172.29.248.50"
    assert neutron.calls[-1][0] == "update_ip" and neutron.calls[-1][1][0].id == free.id
    assert neutron.calls[-1][2] == {"port_id": p.id}
    assert (
        out["diff"]["before"]["floating_ip_address"] == "172.29.248.50"
        and "port_id" not in out["diff"]["before"]
    )
    assert out["diff"]["after"]["port_id"] == p.id
    assert (
        run(floating_ip.FloatingIPModule, {"network": "public", "port": "web-1-port", "reuse": True})[
            "changed"
        ]
        is False
    )


def test_floating_ip_specific_address(run, neutron, public, server_port):
    ext, _ = public
    _, p = server_port
    args = {"network": "public", "port": "web-1-port", "floating_ip_address": "172.29.248.80"}
    out = run(floating_ip.FloatingIPModule, args)
    assert neutron.calls[-1] == (
        "create_ip",
        (),
        {"floating_network_id": ext.id, "floating_ip_address": "172.29.248.80", "port_id": p.id},
    )
    assert out["address"] == "172.29.248.80" and run(floating_ip.FloatingIPModule, args)["changed"] is False
    neutron.store["ip"][out["floating_ip"]["id"]].port_id = "somewhere-else"
    moved = run(floating_ip.FloatingIPModule, args)
    assert moved["changed"] is True and neutron.calls[-1][2] == {"port_id": p.id}
    only_allocated = run(
        floating_ip.FloatingIPModule, {"network": "public", "floating_ip_address": "172.29.248.81"}
    )
    assert only_allocated["changed"] is True and "port_id" not in neutron.calls[-1][2]


def test_floating_ip_server_with_several_ports(run, neutron, compute, private, server_port):
    server, _ = server_port
    second = neutron.add(
        "port",
        network_id=private["db"].id,
        device_id=server.id,
        fixed_ips=[{"subnet_id": private["c"].id, "ip_address": "10.0.3.5"}],
    )
    out = run(floating_ip.FloatingIPModule, {"network": "public", "server": "web-1"})
    assert out["failed"] is True and "has 2 ports: give fixed_address" in out["msg"]
    chosen = run(
        floating_ip.FloatingIPModule, {"network": "public", "server": "web-1", "fixed_address": "10.0.3.5"}
    )
    assert chosen["changed"] is True and neutron.calls[-1][2]["port_id"] == second.id
    assert neutron.calls[-1][2]["fixed_ip_address"] == "10.0.3.5"
    nowhere = run(
        floating_ip.FloatingIPModule, {"network": "public", "server": "web-1", "fixed_address": "10.9.9.9"}
    )
    assert nowhere["failed"] is True and "no port with the address 10.9.9.9" in nowhere["msg"]
    not_external = run(floating_ip.FloatingIPModule, {"network": "demo-net", "port": "web-1-port"})
    assert (
        not_external["failed"] is True and "not found (with is_router_external=True)" in not_external["msg"]
    )
    no_target = run(floating_ip.FloatingIPModule, {"network": "public"})
    assert no_target["failed"] is True and "one of the following is required" in no_target["msg"]
    gone_server = run(
        floating_ip.FloatingIPModule, {"network": "public", "server": "ghost", "state": "absent"}
    )
    assert gone_server["changed"] is False
    compute.add("server", name="portless")
    portless = run(floating_ip.FloatingIPModule, {"network": "public", "server": "portless"})
    assert portless["failed"] is True and portless["msg"] == "server 'portless' has no port"
    nothing = run(
        floating_ip.FloatingIPModule, {"network": "public", "server": "portless", "state": "absent"}
    )
    assert nothing["changed"] is False and nothing["address"] is None


# --- network_info ---------------------------------------------------------------------------------
def test_network_info_lists_with_filters(run, neutron, public, private):
    out = run(
        network_info.NetworkInfoModule, {"resource": "networks", "filters": {"is_router_external": True}}
    )
    assert out["changed"] is False and [n["name"] for n in out["items"]] == ["public"]
    named = run(network_info.NetworkInfoModule, {"resource": "subnets", "name": "a"})
    assert [s["id"] for s in named["items"]] == [private["a"].id]
    fip = neutron.add("ip", floating_network_id=public[0].id, floating_ip_address="172.29.248.9")
    fips = run(network_info.NetworkInfoModule, {"resource": "floating_ips"})
    assert [f["floating_ip_address"] for f in fips["items"]] == ["172.29.248.9"]
    assert neutron.calls[-1][0] == "ips"
    by_id = run(network_info.NetworkInfoModule, {"resource": "floating_ips", "name": fip.id})
    assert [f["id"] for f in by_id["items"]] == [fip.id]
    none = run(network_info.NetworkInfoModule, {"resource": "floating_ips", "name": "172.29.248.10"})
    assert none["items"] == []


def test_network_info_refuses_unknown_query_parameters(run, neutron):
    # openstacksdk would drop them and list everything: the module refuses before any call
    out = run(network_info.NetworkInfoModule, {"resource": "networks", "filters": {"bogus": 1}})
    assert out["failed"] is True and out["msg"].startswith("unknown filter for networks: bogus;")
    typo = run(network_info.NetworkInfoModule, {"resource": "networks", "filters": {"is_router_externl": 1}})
    assert "is_router_externl (did you mean is_router_external" in typo["msg"]
    assert not [c for c in neutron.calls if c[0] == "networks"]
    # the API's own names, attributes the SDK filters on the client side and the method's keywords
    ok = run(
        network_info.NetworkInfoModule,
        {"resource": "ports", "filters": {"network_id": "n", "binding:host_id": "h", "mac_address": "m"}},
    )
    assert ok["changed"] is False and ok["items"] == []


# --- helpers --------------------------------------------------------------------------------------
@pytest.mark.parametrize("module", [router, port])
def test_entries_match_on_the_keys_given(module):
    match = module.entries_match
    current = [{"subnet_id": "s1", "ip_address": "10.0.0.5"}, {"subnet_id": "s1", "ip_address": "10.0.0.6"}]
    assert match([{"subnet_id": "s1"}, {"subnet_id": "s1"}], current)
    assert match([{"subnet_id": "s1"}, {"ip_address": "10.0.0.5"}], current)
    assert match([{"ip_address": "10.0.0.6", "subnet_id": "s1"}, {"subnet_id": "s1"}], current)
    assert not match([{"subnet_id": "s1"}], current)
    assert not match([{"subnet_id": "s1"}, {"subnet_id": "s2"}], current)
    assert not match([{"ip_address": "10.0.0.5"}, {"ip_address": "10.0.0.5"}], current)
    assert match([], [])


def test_floating_ip_absent_releases_every_one_of_the_port(run, neutron, public, server_port):
    ext, _ = public
    _, p = server_port
    for last in (30, 31):
        neutron.add("ip", floating_network_id=ext.id, floating_ip_address=f"172.29.248.{last}", port_id=p.id)
    kept = neutron.add("ip", floating_network_id=ext.id, floating_ip_address="172.29.248.32")
    out = run(floating_ip.FloatingIPModule, {"network": "public", "port": "web-1-port", "state": "absent"})
    assert out["changed"] is True and mutations(neutron) == ["delete_ip", "delete_ip"]
    assert list(neutron.store["ip"]) == [kept.id]


def test_port_vnic_type_is_create_only(run, neutron, private):
    args = {"name": "sriov", "network": "demo-net", "vnic_type": "direct"}
    out = run(port.PortModule, args)
    assert out["changed"] is True and neutron.calls[-1][2]["binding_vnic_type"] == "direct"
    refused = run(port.PortModule, {**args, "vnic_type": "normal"})
    assert refused["failed"] is True and "vnic_type ('direct' -> 'normal')" in refused["msg"]


def test_network_update_in_check_mode_reports_the_would_be_network(run, neutron):
    neutron.add("network", name="n", project_id="demo-id", description="old", mtu=1442)
    out = run(network.NetworkModule, {"name": "n", "description": "new"}, check=True)
    assert out["changed"] is True and mutations(neutron) == []
    assert out["network"]["description"] == "new" and out["network"]["mtu"] == 1442
    assert out["diff"]["before"]["description"] == "old" and out["diff"]["after"]["description"] == "new"
