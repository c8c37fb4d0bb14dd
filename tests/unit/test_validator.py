"""Each validation rule against a bad inventory, read by ansible-inventory as in real use."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from stackwright import inventory, release, secretstore
from stackwright.validator import InventoryView, validate

REPO = Path(__file__).resolve().parents[2]

GOOD_HOSTS = {
    "all": {
        "hosts": {
            "ctl1": {"management_address": "10.10.0.11", "storage_address": "10.10.2.11"},
            "cmp1": {"management_address": "10.10.0.21", "tunnel_address": "10.10.1.21"},
        },
        "children": {
            "control": {"hosts": {"ctl1": None}},
            "database": {"hosts": {"ctl1": None}},
            "compute": {"hosts": {"cmp1": None}},
            "storage": {"hosts": {"ctl1": None}},
        },
    }
}
GOOD_VARS = {
    "stackwright_networks": {
        "management": {"cidr": "10.10.0.0/24", "gateway": "10.10.0.1"},
        "tunnel": {"cidr": "10.10.1.0/24"},
        "storage": {"cidr": "10.10.2.0/24"},
    },
    "internal_vip_address": "10.10.0.10",
}


def problems_of(tmp_path: Path, hosts=None, group_vars=None):
    (tmp_path / "group_vars").mkdir(exist_ok=True)
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(hosts or GOOD_HOSTS))
    (tmp_path / "group_vars" / "all.yml").write_text(yaml.safe_dump(group_vars or GOOD_VARS))
    return validate(InventoryView.from_inventory_json(inventory.load(tmp_path)))


def only(problems, rule):
    found = [p for p in problems if p.rule == rule]
    assert found, f"no {rule} problem in {[str(p) for p in problems]}"
    return found


def test_good_inventory_has_no_problems(tmp_path):
    assert problems_of(tmp_path) == []


@pytest.mark.parametrize("name", ["aio", "multinode"])
def test_shipped_inventories_are_valid(name):
    view = InventoryView.from_inventory_json(inventory.load(REPO / "inventories" / name))
    assert validate(view) == []


def test_shipped_multinode_has_the_promised_shape():
    view = InventoryView.from_inventory_json(inventory.load(REPO / "inventories" / "multinode"))
    assert len(view.hosts) == 7
    for group, count in {
        "control": 3,
        "database": 3,
        "messaging": 3,
        "network": 1,
        "compute": 2,
        "storage": 1,
    }.items():
        assert len(view.groups[group]) == count, group
    assert view.shared("internal_vip_address") and view.shared("external_vip_address")


def test_unknown_group(tmp_path):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["children"]["computes"] = hosts["all"]["children"].pop("compute")
    (problem,) = only(problems_of(tmp_path, hosts), "unknown-group")
    assert "'computes'" in str(problem) and "did you mean 'compute'" in str(problem)


def test_extra_groups_are_accepted(tmp_path):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["children"]["controllers"] = {"hosts": {"ctl1": None}}
    assert only(problems_of(tmp_path, hosts), "unknown-group")
    assert problems_of(tmp_path, hosts, {**GOOD_VARS, "stackwright_extra_groups": ["controllers"]}) == []


def test_host_without_management_address(tmp_path):
    hosts = copy.deepcopy(GOOD_HOSTS)
    del hosts["all"]["hosts"]["cmp1"]["management_address"]
    (problem,) = only(problems_of(tmp_path, hosts), "missing-management-address")
    assert (problem.host, problem.variable) == ("cmp1", "management_address")
    assert "host 'cmp1', variable 'management_address'" in str(problem)
    assert "host_vars/cmp1.yml" in problem.fix and "10.10.0.0/24" in problem.fix


def test_duplicate_addresses(tmp_path):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["hosts"]["cmp1"]["management_address"] = "10.10.0.11"
    (problem,) = only(problems_of(tmp_path, hosts), "duplicate-address")
    # Reported once, on the later host, naming the earlier one.
    assert problem.host == "ctl1" and problem.variable == "management_address"
    assert "10.10.0.11 is already used by host 'cmp1'" in problem.message


def test_address_outside_its_network(tmp_path):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["hosts"]["cmp1"]["tunnel_address"] = "10.10.9.21"
    (problem,) = only(problems_of(tmp_path, hosts), "address-outside-network")
    assert (problem.host, problem.variable) == ("cmp1", "tunnel_address")
    assert "outside the tunnel network 10.10.1.0/24" in problem.message


@pytest.mark.parametrize("address", ["10.10.0.0", "10.10.0.255"])
def test_network_and_broadcast_addresses_are_refused(tmp_path, address):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["hosts"]["cmp1"]["management_address"] = address
    (problem,) = only(problems_of(tmp_path, hosts), "address-outside-network")
    assert problem.host == "cmp1"


def test_host_on_the_gateway_address(tmp_path):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["hosts"]["cmp1"]["management_address"] = "10.10.0.1"
    (problem,) = only(problems_of(tmp_path, hosts), "duplicate-address")
    assert "gateway of management" in problem.message


def test_vip_colliding_with_a_host(tmp_path):
    (problem,) = only(
        problems_of(tmp_path, group_vars={**GOOD_VARS, "internal_vip_address": "10.10.0.21"}),
        "vip-collides-with-host",
    )
    assert problem.variable == "internal_vip_address" and "host 'cmp1'" in problem.message


def test_vip_outside_its_network(tmp_path):
    (problem,) = only(
        problems_of(tmp_path, group_vars={**GOOD_VARS, "internal_vip_address": "10.10.1.10"}),
        "address-outside-network",
    )
    assert problem.variable == "internal_vip_address"


def test_external_vip_falls_back_to_management_network(tmp_path):
    assert problems_of(tmp_path, group_vars={**GOOD_VARS, "external_vip_address": "10.10.0.9"}) == []


@pytest.mark.parametrize("cidr", ["10.10.0.0/33", "10.10.0.5/24", "banana", "10.10.0.0"])
def test_malformed_cidr(tmp_path, cidr):
    group_vars = copy.deepcopy(GOOD_VARS)
    group_vars["stackwright_networks"]["tunnel"]["cidr"] = cidr
    (problem,) = only(problems_of(tmp_path, group_vars=group_vars), "malformed-cidr")
    assert problem.variable == "stackwright_networks.tunnel.cidr" and cidr in problem.message


@pytest.mark.parametrize("address", ["10.10.0.300", "10.10.0.21/24", "cmp1"])
def test_malformed_address(tmp_path, address):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["hosts"]["cmp1"]["management_address"] = address
    (problem,) = only(problems_of(tmp_path, hosts), "malformed-address")
    assert (problem.host, problem.variable) == ("cmp1", "management_address")


def test_address_on_an_undeclared_network(tmp_path):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["hosts"]["cmp1"]["external_address"] = "10.10.5.21"
    (problem,) = only(problems_of(tmp_path, hosts), "undeclared-network")
    assert problem.variable == "external_address" and "stackwright_networks.external" in problem.fix


def test_overlapping_networks(tmp_path):
    group_vars = copy.deepcopy(GOOD_VARS)
    group_vars["stackwright_networks"]["storage"]["cidr"] = "10.10.0.128/25"
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["hosts"]["ctl1"]["storage_address"] = "10.10.0.200"
    only(problems_of(tmp_path, hosts, group_vars), "overlapping-networks")


def test_unknown_network_and_missing_management_network(tmp_path):
    group_vars = copy.deepcopy(GOOD_VARS)
    group_vars["stackwright_networks"]["mgmt"] = group_vars["stackwright_networks"].pop("management")
    problems = problems_of(tmp_path, group_vars=group_vars)
    assert only(problems, "unknown-network")[0].variable == "stackwright_networks.mgmt"
    only(problems, "networks-missing")


def test_no_networks_declared(tmp_path):
    problems = problems_of(tmp_path, group_vars={"internal_vip_address": "10.10.0.10"})
    assert only(problems, "networks-missing")[0].variable == "stackwright_networks"


def test_templated_values_are_left_to_the_playbook_check(tmp_path):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["hosts"]["cmp1"]["tunnel_address"] = "{{ some_var }}"
    assert problems_of(tmp_path, hosts) == []


def test_view_from_play_variables_matches_inventory_json():
    data = {
        "_meta": {"hostvars": {"a": {"management_address": "10.0.0.2"}}},
        "all": {"children": ["ungrouped", "compute"]},
        "compute": {"hosts": ["a"]},
    }
    from_json = InventoryView.from_inventory_json(data)
    from_play = InventoryView.from_ansible_vars(
        {"all": ["a"], "compute": ["a"], "ungrouped": []}, {"a": {"management_address": "10.0.0.2"}}
    )
    assert from_json.groups["all"] == from_play.groups["all"] == {"a"}
    assert from_json.groups["compute"] == from_play.groups["compute"]
    assert from_json.hostvars == from_play.hostvars


def test_missing_secret_when_generation_is_off(tmp_path):
    group_vars = {**GOOD_VARS, "stackwright_generate_secrets": False}
    problems = only(problems_of(tmp_path, group_vars=group_vars), "missing-secret")
    assert {p.variable for p in problems} == set(secretstore.REGISTRY)
    assert "stackwright_generate_secrets: true" in problems[0].fix
    supplied = {name: "s" * 40 for name in secretstore.REGISTRY}
    assert problems_of(tmp_path, group_vars={**group_vars, **supplied}) == []


def test_storage_host_without_storage_address(tmp_path):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["children"]["storage"] = {"hosts": {"cmp1": None}}
    (problem,) = only(problems_of(tmp_path, hosts), "missing-storage-address")
    assert (problem.host, problem.variable) == ("cmp1", "storage_address")
    assert "group 'storage' (Ceph monitors, managers and OSDs)" in problem.message


@pytest.mark.parametrize("group", ["database", "messaging", "storage"])
def test_even_sized_clusters_are_refused(tmp_path, group):
    hosts = copy.deepcopy(GOOD_HOSTS)
    hosts["all"]["children"][group] = {"hosts": {"ctl1": None, "cmp1": None}}
    (problem,) = only(problems_of(tmp_path, hosts), "even-cluster")
    assert f"group '{group}' has 2 hosts" in problem.message and "1, 3 or 5" in problem.fix


def test_unknown_release(tmp_path):
    problems = problems_of(tmp_path, group_vars={**GOOD_VARS, "openstack_release": "2019.1"})
    assert "no release 2019.1" in str(only(problems, "unknown-release")[0])
    problems = problems_of(tmp_path, group_vars={**GOOD_VARS, "openstack_release": "train"})
    assert "not a release name" in str(only(problems, "unknown-release")[0])


def test_release_without_a_lock_file(tmp_path, monkeypatch):
    root = tmp_path / "releases"
    root.mkdir()
    (root / "2030.1.yml").write_text(
        "python: '3.13'\nexclude_newer: '2030-01-01'\nservices: {keystone: [keystone]}\n"
    )
    monkeypatch.setattr(release, "RELEASES", root)
    inv = tmp_path / "inv"
    inv.mkdir()
    problem = only(problems_of(inv, group_vars={**GOOD_VARS, "openstack_release": "2030.1"}), "missing-lock")[
        0
    ]
    assert "no lock file for keystone" in str(problem)
    assert "scripts/lock-release 2030.1" in str(problem)
