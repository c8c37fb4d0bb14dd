"""The keepalived filters: VRRP instances from VIPs, networks and a host's interface facts."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.stackwright.cloud.plugins.filter.keepalived import vrrp_instances, vrrp_priority

NETWORKS = {
    "management": {"cidr": "10.0.0.0/24", "gateway": "10.0.0.1"},
    "external": {"cidr": "192.0.2.0/24"},
}
HOSTVARS = {
    "c1": {"management_address": "10.0.0.11", "external_address": "192.0.2.11"},
    "c2": {"management_address": "10.0.0.12", "external_address": "192.0.2.12"},
    "c3": {"management_address": "10.0.0.13", "external_address": "192.0.2.13"},
}
ROUTER_IDS = {"management": 51, "external": 54}


def facts(**interfaces):
    """ansible_facts with interfaces named as given (name -> primary address, secondaries)."""
    out = {"interfaces": ["lo", *interfaces]}
    out["lo"] = {"device": "lo", "ipv4": {"address": "127.0.0.1"}}
    for name, addresses in interfaces.items():
        primary, *secondaries = addresses
        out[name.replace("-", "_")] = {
            "device": name,
            "ipv4": {"address": primary, "prefix": "24"},
            "ipv4_secondaries": [{"address": a, "prefix": "32"} for a in secondaries],
        }
    return out


def test_one_instance_per_network_on_the_interface_carrying_the_host_address():
    # Interface names say nothing about the networks: the addresses decide.
    host_facts = facts(**{"eth-1": ["192.0.2.11"], "bond0": ["10.0.0.11", "10.0.0.10"]})
    instances = vrrp_instances(
        ["10.0.0.10", "192.0.2.10", "", "10.0.0.10", "10.0.0.20"],
        NETWORKS,
        "c1",
        HOSTVARS,
        ["c1", "c2", "c3"],
        host_facts,
        ROUTER_IDS,
    )
    assert instances == [
        {
            "name": "external",
            "interface": "eth-1",
            "address": "192.0.2.11",
            "peers": ["192.0.2.12", "192.0.2.13"],
            "vips": ["192.0.2.10"],
            "virtual_router_id": 54,
        },
        {
            "name": "management",
            "interface": "bond0",
            "address": "10.0.0.11",
            "peers": ["10.0.0.12", "10.0.0.13"],
            "vips": ["10.0.0.10", "10.0.0.20"],
            "virtual_router_id": 51,
        },
    ]


def test_host_address_found_among_secondary_addresses():
    host_facts = facts(eth0=["10.0.0.99", "10.0.0.12"])
    (instance,) = vrrp_instances(
        ["10.0.0.10"], NETWORKS, "c2", HOSTVARS, ["c1", "c2"], host_facts, ROUTER_IDS
    )
    assert instance["interface"] == "eth0" and instance["peers"] == ["10.0.0.11"]


def test_single_host_has_no_peers():
    (instance,) = vrrp_instances(
        ["10.0.0.10"], NETWORKS, "c1", HOSTVARS, ["c1"], facts(eth0=["10.0.0.11"]), ROUTER_IDS
    )
    assert instance["peers"] == []


@pytest.mark.parametrize(
    ("vips", "hostvars", "host_facts", "router_ids", "message"),
    [
        (["172.16.0.1"], HOSTVARS, facts(eth0=["10.0.0.11"]), ROUTER_IDS, "in none of the networks"),
        (
            ["192.0.2.10"],
            {**HOSTVARS, "c2": {"management_address": "10.0.0.12"}},
            facts(eth0=["192.0.2.11"]),
            ROUTER_IDS,
            "host 'c2' has no external_address",
        ),
        (
            ["10.0.0.10"],
            HOSTVARS,
            facts(eth0=["10.0.0.99"]),
            ROUTER_IDS,
            "no interface with its management_address",
        ),
        (["10.0.0.10"], HOSTVARS, facts(eth0=["10.0.0.11"]), {}, "no VRRP virtual router id"),
    ],
)
def test_refuses_what_keepalived_cannot_run(vips, hostvars, host_facts, router_ids, message):
    with pytest.raises(AnsibleFilterError, match=message):
        vrrp_instances(vips, NETWORKS, "c1", hostvars, ["c1", "c2"], host_facts, router_ids)


def test_priority_by_host_order():
    members = ["c1", "c2", "c3"]
    assert [vrrp_priority(h, members) for h in members] == [150, 140, 130]
    assert vrrp_priority("c3", members, 20, 15) == 1
    with pytest.raises(AnsibleFilterError, match="not a member"):
        vrrp_priority("c9", members)
