"""The tenant model: every validation rule (one failing description each), the plan's order, and
the check-mode helpers of roles/tenants."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stackwright import tenants

REPO = Path(__file__).resolve().parents[2]
SECRET = "Very-Secret-Password-0123456789"  # noqa: S105 - a test value, to prove it never shows


def base() -> dict:
    """A valid description using every kind of entry."""
    return {
        "cloud": "aio",
        "domains": [{"name": "customers"}],
        "roles": [{"name": "auditor"}],
        "flavors": [
            {"name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1},
            {"name": "big", "external": True},
        ],
        "images": [{"name": "cirros", "file": "guest.qcow2"}],
        "networks": [
            {
                "name": "public",
                "router_external": True,
                "subnets": [{"name": "public-v4", "cidr": "172.29.248.0/22"}],
            }
        ],
        "projects": [
            {
                "name": "demo",
                "domain": "customers",
                "quotas": {"compute": {"instances": 5}, "network": {"routers": 2}},
                "users": [{"name": "alice", "password": SECRET, "roles": ["member", "auditor"]}],
                "networks": [
                    {
                        "name": "private",
                        "subnets": [
                            {
                                "name": "private-v4",
                                "cidr": "10.0.0.0/24",
                                "gateway_ip": "10.0.0.1",
                                "allocation_pools": [{"start": "10.0.0.10", "end": "10.0.0.99"}],
                            }
                        ],
                    }
                ],
                "routers": [{"name": "edge", "external_network": "public", "interfaces": ["private-v4"]}],
                "security_groups": [
                    {
                        "name": "web",
                        "rules": [
                            {"protocol": "tcp", "port": 22},
                            {"protocol": "tcp", "port": "8000-8080", "remote_group": "web"},
                        ],
                    }
                ],
                "keypairs": [{"name": "ops", "public_key": "ssh-ed25519 AAAA ops"}],
                "servers": [
                    {
                        "name": "web1",
                        "image": "cirros",
                        "flavor": "m1.tiny",
                        "networks": ["private"],
                        "key": "ops",
                        "security_groups": ["default", "web"],
                        "floating_ip": True,
                    }
                ],
                "volumes": [{"name": "data", "size": 1, "attach_to": "web1"}],
                "stacks": [{"name": "app", "template": "app.yaml", "parameters": {"x": 1}}],
            },
            {
                "name": "admin",
                "external": True,
                "users": [{"name": "alice", "domain": "customers", "external": True, "roles": ["reader"]}],
            },
        ],
    }


@pytest.fixture
def files(tmp_path) -> tenants.Options:
    (tmp_path / "guest.qcow2").write_bytes(b"qcow")
    (tmp_path / "app.yaml").write_text("heat_template_version: 2021-04-16\n")
    (tmp_path / "ops.pub").write_text("ssh-ed25519 AAAA ops-from-file\n")
    return tenants.Options(base_dir=tmp_path)


def problems(desc, options) -> list[tenants.Problem]:
    return tenants.validate(desc, options)


def only(desc, options, rule: str) -> str:
    """The single problem of a description, which must be of ``rule``."""
    found = problems(desc, options)
    assert [p.rule for p in found] == [rule], [str(p) for p in found]
    return str(found[0])


def test_the_base_description_is_valid(files):
    assert problems(base(), files) == []


def test_the_examples_are_valid(tmp_path):
    shutil.copytree(REPO / "examples" / "tenants", tmp_path / "ex")
    (tmp_path / "ex" / "files" / "stackwright-guest.qcow2").write_bytes(b"qcow")
    for name in ("demo.yml", "identity.yml"):
        desc = yaml.safe_load((tmp_path / "ex" / name).read_text())
        assert problems(desc, tenants.Options(base_dir=tmp_path / "ex")) == [], name


# --- keys and types ---------------------------------------------------------------------------
def test_description_must_be_a_mapping(files):
    assert "must be a mapping" in only(["projects"], files, "wrong-type")


def test_unknown_top_level_key_suggests(files):
    d = base()
    d["project"] = d.pop("projects")
    assert only(d, files, "unknown-key").startswith("project: unknown key (did you mean 'projects'?)")


def test_unknown_nested_key_has_its_path_and_suggestion(files):
    d = base()
    d["projects"][0]["users"][0]["pasword"] = d["projects"][0]["users"][0].pop("password")
    text = only(d, files, "unknown-key")
    assert text.startswith("projects[0].users[0].pasword: unknown key (did you mean 'password'?)")
    assert SECRET not in text


def test_unknown_key_in_a_nested_mapping(files):
    d = base()
    d["projects"][0]["networks"][0]["subnets"][0]["allocation_pools"][0]["stop"] = "10.0.0.99"
    assert only(d, files, "unknown-key").startswith(
        "projects[0].networks[0].subnets[0].allocation_pools[0].stop: unknown key"
    )


def test_unknown_quota_service_and_limit(files):
    d = base()
    d["projects"][0]["quotas"] = {"compte": {"instances": 1}}
    assert "did you mean 'compute'?" in only(d, files, "unknown-key")
    d["projects"][0]["quotas"] = {"compute": {"instaces": 1}}
    assert only(d, files, "unknown-key").startswith(
        "projects[0].quotas.compute.instaces: unknown compute limit (did you mean 'instances'?)"
    )


def test_quota_limits_are_integers(files):
    d = base()
    d["projects"][0]["quotas"]["compute"]["instances"] = "ten"
    assert only(d, files, "wrong-type").startswith("projects[0].quotas.compute.instances:")


def test_wrong_types(files):
    d = base()
    d["flavors"][0]["ram"] = "512"
    assert only(d, files, "wrong-type") == "flavors[0].ram: must be an integer, not a string"
    d = base()
    d["flavors"][0]["public"] = "yes"
    assert "must be true or false" in only(d, files, "wrong-type")
    d = base()
    d["projects"][0]["stacks"] = {"name": "app"}
    assert only(d, files, "wrong-type").startswith("projects[0].stacks: must be a list")
    d = base()
    d["projects"][0]["servers"][0]["metadata"] = {"a": {"b": 1}}
    assert only(d, files, "wrong-type").startswith("projects[0].servers[0].metadata.a:")
    d = base()
    d["projects"][0]["users"].append("bob")
    assert only(d, files, "wrong-type").startswith("projects[0].users[1]: must be a user entry")


def test_a_secret_is_never_quoted(files):
    d = base()
    d["projects"][0]["users"][0]["password"] = 12345678901234
    text = only(d, files, "wrong-type")
    assert "12345678901234" not in text
    assert text.startswith("projects[0].users[0].password: must be a non-empty string")


def test_minimum(files):
    d = base()
    d["flavors"][0]["vcpus"] = 0
    assert only(d, files, "out-of-range") == "flavors[0].vcpus: must be 1 or more, not 0"


def test_choices(files):
    d = base()
    d["projects"][0]["state"] = "gone"
    assert only(d, files, "bad-choice").startswith("projects[0].state: must be present or absent")
    d = base()
    d["images"][0]["disk_format"] = "qcow3"
    assert only(d, files, "bad-choice").startswith("images[0].disk_format: must be one of")
    d = base()
    d["projects"][0]["security_groups"][0]["rules"][0]["protocol"] = "tcpp"
    assert only(d, files, "bad-choice").startswith("projects[0].security_groups[0].rules[0].protocol")


def test_required_keys(files):
    d = base()
    del d["flavors"][0]["ram"]
    assert only(d, files, "missing-key") == "flavors[0]: 'ram' is required. Fix: add ram"
    d = base()
    del d["projects"][0]["networks"][0]["subnets"][0]["cidr"]
    assert only(d, files, "missing-key").startswith("projects[0].networks[0].subnets[0]: 'cidr' is required")
    d = base()
    del d["projects"][0]["users"][0]["name"]
    assert only(d, files, "missing-key").startswith("projects[0].users[0]: 'name' is required")
    d = base()
    del d["projects"][0]["networks"][0]["subnets"][0]["allocation_pools"][0]["end"]
    assert only(d, files, "missing-key").startswith(
        "projects[0].networks[0].subnets[0].allocation_pools[0]: 'end' is required"
    )


def test_an_absent_entry_needs_only_its_name(files):
    d = base()
    d["flavors"].append({"name": "m1.old", "state": "absent"})
    assert problems(d, files) == []


def test_external_entries_take_only_names(files):
    d = base()
    d["flavors"][1]["ram"] = 4096
    assert only(d, files, "external-entry").startswith(
        "flavors[1].ram: not allowed on an entry marked external"
    )
    d = base()
    d["projects"][1]["description"] = "x"
    assert only(d, files, "external-entry").startswith("projects[1].description")


def test_present_inside_absent(files):
    d = base()
    d["projects"][0]["state"] = "absent"
    d["projects"][0]["servers"][0]["state"] = "present"
    found = [p for p in problems(d, files) if p.rule == "present-in-absent"]
    assert [p.path for p in found] == ["projects[0].servers[0].state"]


def test_admin_only_network_keys_in_a_project(files):
    d = base()
    d["projects"][0]["networks"][0]["router_external"] = True
    assert only(d, files, "admin-only").startswith("projects[0].networks[0].router_external")


# --- addresses and ports ----------------------------------------------------------------------
def test_malformed_cidr_and_address(files):
    d = base()
    d["projects"][0]["networks"][0]["subnets"][0]["cidr"] = "10.0.0.1/24"
    assert only(d, files, "malformed-cidr").startswith("projects[0].networks[0].subnets[0].cidr:")
    d = base()
    d["projects"][0]["networks"][0]["subnets"][0]["gateway_ip"] = "10.0.0.300"
    assert only(d, files, "malformed-address").startswith("projects[0].networks[0].subnets[0].gateway_ip:")


def test_addresses_outside_their_subnet(files):
    d = base()
    subnet = d["projects"][0]["networks"][0]["subnets"][0]
    subnet["gateway_ip"] = "10.0.1.1"
    subnet["allocation_pools"][0]["end"] = "10.0.1.99"
    found = problems(d, files)
    assert [p.rule for p in found] == ["outside-subnet", "outside-subnet"]
    assert found[0].path.endswith("gateway_ip") and found[1].path.endswith("allocation_pools[0].end")
    d = base()
    d["projects"][0]["servers"][0]["networks"] = [{"network": "private", "fixed_ip": "10.9.9.9"}]
    assert only(d, files, "outside-subnet").startswith("projects[0].servers[0].networks[0].fixed_ip")


def test_pool_backwards(files):
    d = base()
    d["projects"][0]["networks"][0]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.50", "end": "10.0.0.5"}
    ]
    assert only(d, files, "bad-pool").startswith("projects[0].networks[0].subnets[0].allocation_pools[0]")


def test_ip_versions(files):
    d = base()
    d["projects"][0]["networks"][0]["subnets"][0]["ip_version"] = 6
    assert only(d, files, "ip-version").startswith("projects[0].networks[0].subnets[0].ip_version")
    d = base()
    d["projects"][0]["networks"][0]["subnets"][0]["dns_nameservers"] = ["2001:db8::1"]
    assert only(d, files, "ip-version").startswith("projects[0].networks[0].subnets[0].dns_nameservers[0]")
    d = base()
    rule = d["projects"][0]["security_groups"][0]["rules"][0]
    rule.update(remote_ip_prefix="2001:db8::/64", ethertype="IPv4")
    assert only(d, files, "ip-version").startswith("projects[0].security_groups[0].rules[0].ethertype")


def test_overlapping_subnets_of_one_network(files):
    d = base()
    d["projects"][0]["networks"][0]["subnets"].append({"name": "more", "cidr": "10.0.0.128/25"})
    assert only(d, files, "overlapping-subnets").startswith("projects[0].networks[0].subnets[1].cidr")


def test_ports(files):
    d = base()
    d["projects"][0]["security_groups"][0]["rules"][0]["port"] = "80-22"
    assert only(d, files, "bad-port").startswith("projects[0].security_groups[0].rules[0].port")
    d = base()
    d["projects"][0]["security_groups"][0]["rules"][0]["protocol"] = "icmp"
    assert only(d, files, "port-without-protocol").startswith("projects[0].security_groups[0].rules[0].port")


def test_conflicts(files):
    d = base()
    d["projects"][0]["networks"][0]["subnets"][0]["no_gateway"] = True
    assert only(d, files, "conflict").startswith("projects[0].networks[0].subnets[0]: gateway_ip and")
    d = base()
    d["projects"][0]["security_groups"][0]["rules"][1]["remote_ip_prefix"] = "0.0.0.0/0"
    assert only(d, files, "conflict").startswith("projects[0].security_groups[0].rules[1]: remote_ip_prefix")
    d = base()
    del d["projects"][0]["volumes"][0]["attach_to"]
    d["projects"][0]["volumes"][0]["device"] = "/dev/vdb"
    assert only(d, files, "conflict").startswith("projects[0].volumes[0].device")


# --- duplicates -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["domains"].append({"name": "customers"}), "domains[1]"),
        (lambda d: d["roles"].append({"name": "auditor"}), "roles[1]"),
        (lambda d: d["flavors"].append({"name": "m1.tiny", "vcpus": 1, "ram": 1}), "flavors[2]"),
        (lambda d: d["projects"].append({"name": "demo", "domain": "customers"}), "projects[2]"),
        (
            lambda d: d["projects"][0]["networks"].append({"name": "private"}),
            "projects[0].networks[1]",
        ),
        (
            lambda d: d["projects"][0]["networks"].append(
                {"name": "other", "subnets": [{"name": "private-v4", "cidr": "10.1.0.0/24"}]}
            ),
            "projects[0].networks[1].subnets[0]",
        ),
        (
            lambda d: d["projects"][0]["servers"].append(copy.deepcopy(d["projects"][0]["servers"][0])),
            "projects[0].servers[1]",
        ),
        (
            lambda d: d["projects"].append(
                {"name": "other", "keypairs": [{"name": "ops", "public_key": "ssh-ed25519 B"}]}
            ),
            "projects[2].keypairs[0]",
        ),
        (
            lambda d: d["projects"].append(
                {"name": "other", "domain": "customers", "users": [{"name": "alice"}]}
            ),
            "projects[2].users[0]",
        ),
        (
            lambda d: d["projects"][1]["users"].append(
                {"name": "alice", "domain": "customers", "external": True}
            ),
            "projects[1].users[1]",
        ),
        (lambda d: d["projects"][0]["networks"].append({"name": "public"}), "projects[0].networks[1]"),
        (
            lambda d: d["projects"][0]["users"][0]["roles"].append("member"),
            "projects[0].users[0].roles[2]",
        ),
        (
            lambda d: d["projects"][0]["routers"][0]["interfaces"].append("private-v4"),
            "projects[0].routers[0].interfaces[1]",
        ),
        (
            lambda d: d["projects"][0]["servers"][0]["security_groups"].append("web"),
            "projects[0].servers[0].security_groups[2]",
        ),
        (
            lambda d: d["projects"][0]["security_groups"][0]["rules"].append({"protocol": "tcp", "port": 22}),
            "projects[0].security_groups[0].rules[2]",
        ),
        (
            lambda d: d["projects"][0]["security_groups"][0]["rules"].append(
                {
                    "direction": "ingress",
                    "ethertype": "IPv4",
                    "protocol": "tcp",
                    "port": 22,
                    "description": "x",
                }
            ),
            "projects[0].security_groups[0].rules[2]",
        ),
    ],
)
def test_duplicates(files, mutate, path):
    d = base()
    mutate(d)
    found = [p for p in problems(d, files) if p.rule == "duplicate"]
    assert [p.path for p in found] == [path], [str(p) for p in problems(d, files)]


def test_duplicate_message_names_the_first(files):
    d = base()
    d["projects"][0]["networks"].append({"name": "private"})
    assert only(d, files, "duplicate") == (
        "projects[0].networks[1]: network 'private' is defined twice in project 'customers/demo' "
        "(first at projects[0].networks[0]). Fix: give each one its own name, or merge the two entries"
    )


def test_same_name_in_other_scopes_is_fine(files):
    d = base()
    d["projects"].append(
        {
            "name": "demo",  # another domain
            "networks": [{"name": "private", "subnets": [{"name": "private-v4", "cidr": "10.0.0.0/24"}]}],
            "users": [{"name": "alice"}],  # another domain's alice
        }
    )
    assert problems(d, files) == []


# --- references -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["projects"][0]["servers"][0].update(networks=["privat"]),
            "projects[0].servers[0].networks[0]: network 'privat' is not defined (did you mean 'private'?)",
        ),
        (
            lambda d: d["projects"][0]["servers"][0].update(networks=[{"network": "privat"}]),
            "projects[0].servers[0].networks[0].network: network 'privat' is not defined",
        ),
        (
            lambda d: d["projects"][0]["servers"][0].update(image="cirus"),
            "projects[0].servers[0].image: image 'cirus' is not defined (did you mean 'cirros'?)",
        ),
        (
            lambda d: d["projects"][0]["servers"][0].update(flavor="m1.tine"),
            "projects[0].servers[0].flavor: flavor 'm1.tine' is not defined (did you mean 'm1.tiny'?)",
        ),
        (
            lambda d: d["projects"][0]["servers"][0].update(key="opz"),
            "projects[0].servers[0].key: keypair 'opz' is not defined (did you mean 'ops'?)",
        ),
        (
            lambda d: d["projects"][0]["servers"][0].update(security_groups=["wbe"]),
            "projects[0].servers[0].security_groups[0]: security group 'wbe' is not defined",
        ),
        (
            lambda d: d["projects"][0]["routers"][0].update(interfaces=["private-v6"]),
            "projects[0].routers[0].interfaces[0]: subnet 'private-v6' is not defined "
            "(did you mean 'private-v4'?)",
        ),
        (
            lambda d: d["projects"][0]["routers"][0].update(external_network="pubic"),
            "projects[0].routers[0].external_network: network 'pubic' is not defined",
        ),
        (
            lambda d: d["projects"][0]["volumes"][0].update(attach_to="web2"),
            "projects[0].volumes[0].attach_to: server 'web2' is not defined (did you mean 'web1'?)",
        ),
        (
            lambda d: d["projects"][0]["volumes"][0].update(image="debian"),
            "projects[0].volumes[0].image: image 'debian' is not defined",
        ),
        (
            lambda d: d["projects"][0]["security_groups"][0]["rules"][1].update(remote_group="webb"),
            "projects[0].security_groups[0].rules[1].remote_group: security group 'webb' is not defined",
        ),
        (
            lambda d: d["projects"][0].update(domain="customer"),
            "projects[0].domain: domain 'customer' is not defined (did you mean 'customers'?)",
        ),
        (
            lambda d: d["projects"][0]["users"][0].update(domain="nowhere"),
            "projects[0].users[0].domain: domain 'nowhere' is not defined",
        ),
        (
            lambda d: d["projects"][0]["users"][0].update(roles=["membr"]),
            "projects[0].users[0].roles[0]: role 'membr' is not defined (did you mean 'member'?)",
        ),
        (
            lambda d: d["projects"][0]["servers"][0].update(floating_ip={"network": "publik"}),
            "projects[0].servers[0].floating_ip.network: network 'publik' is not defined",
        ),
    ],
)
def test_undefined_references(files, mutate, expected):
    d = base()
    mutate(d)
    assert only(d, files, "undefined-reference").startswith(expected)


def test_references_to_externals_ids_and_builtins(files):
    d = base()
    d["networks"] = [{"name": "public", "external": True}]
    del d["projects"][0]["routers"][0]["interfaces"]
    server = d["projects"][0]["servers"][0]
    server.update(
        flavor="big", image="2f6d3c8e-1c4b-4d0e-9a3f-0c1b2d3e4f50", floating_ip={"network": "public"}
    )
    server["security_groups"] = ["default"]
    d["projects"][0]["users"][0]["roles"] = ["reader", {"name": "admin", "state": "absent"}]
    d["projects"].append({"name": "x", "domain": "default"})
    assert problems(d, files) == []


def test_reference_to_an_absent_entry(files):
    d = base()
    d["flavors"][0]["state"] = "absent"
    text = only(d, files, "reference-to-absent")
    assert text.startswith("projects[0].servers[0].flavor: flavor 'm1.tiny' has state: absent (flavors[0])")
    d = base()
    d["projects"][0]["users"][0]["state"] = "absent"
    assert only(d, files, "reference-to-absent").startswith(
        "projects[1].users[0]: user 'alice' has state: absent"
    )


def test_router_gateway_must_be_external(files):
    d = base()
    d["networks"][0]["router_external"] = False
    text = only(d, files, "not-external")
    assert text.startswith("projects[0].routers[0].external_network: network 'public' (networks[0]) is not")


def test_floating_ip_needs_a_router_path(files):
    d = base()
    d["projects"][0]["routers"][0]["interfaces"] = []
    assert only(d, files, "no-floating-network").startswith("projects[0].servers[0].floating_ip: no router")


def test_keypair_needs_exactly_one_key(files):
    d = base()
    d["projects"][0]["keypairs"][0]["public_key_file"] = "ops.pub"
    assert only(d, files, "keypair-key").startswith("projects[0].keypairs[0]: give exactly one")
    del d["projects"][0]["keypairs"][0]["public_key"]
    assert problems(d, files) == []


def test_missing_files(files):
    d = base()
    d["images"][0]["file"] = "nothing.qcow2"
    d["projects"][0]["stacks"][0]["template"] = "nothing.yaml"
    d["projects"][0]["stacks"][0]["environment_files"] = ["env.yaml"]
    d["projects"][0]["keypairs"][0] = {"name": "ops", "public_key_file": "none.pub"}
    found = problems(d, files)
    assert {p.rule for p in found} == {"missing-file"}
    assert [p.path for p in found] == [
        "images[0].file",
        "projects[0].keypairs[0].public_key_file",
        "projects[0].stacks[0].template",
        "projects[0].stacks[0].environment_files[0]",
    ]


def test_every_problem_is_reported_at_once(files):
    d = base()
    d["flavors"][0]["ram"] = "x"
    d["projects"][0]["servers"][0]["networks"] = ["nope"]
    d["projects"][0]["users"][0]["pasword"] = "x"  # noqa: S105 - a misspelt key, the point of the test
    assert {p.rule for p in problems(d, files)} == {"wrong-type", "undefined-reference", "unknown-key"}
    with pytest.raises(ValueError, match=r"projects\[0\].servers\[0\].networks\[0\]"):
        tenants.plan(d, files)


# --- the plan ---------------------------------------------------------------------------------
def modules(steps) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for step in steps:
        if not out or out[-1] != (step.module, step.state):
            out.append((step.module, step.state))
    return out


def test_creation_order(files):
    steps = tenants.plan(base(), files)
    assert modules(steps) == [
        (m, "present")
        for m in (
            "identity_domain",
            "role",
            "project",
            "user",
            "role_assignment",
            "quota",
            "flavor",
            "image",
            "network",
            "subnet",
            "router",
            "security_group",
            "security_group_rule",
            "keypair",
            "volume",
            "server",
            "floating_ip",
            "volume_attachment",
            "stack",
        )
    ]
    assert len({s.key for s in steps}) == len(steps) == len({s.label for s in steps})


def test_a_volume_removed_from_a_kept_server_is_detached_first(files):
    d = base()
    d["projects"][0]["volumes"][0]["state"] = "absent"
    absent = [(s.module, s.state) for s in tenants.plan(d, files) if s.state == "absent"]
    assert absent == [("volume_attachment", "absent"), ("volume", "absent")]


def test_absent_entries_go_last_in_reverse_order(files):
    d = base()
    d["projects"][0]["state"] = "absent"
    d["projects"][1]["users"] = []
    d["domains"].append({"name": "old", "state": "absent"})
    steps = tenants.plan(d, files)
    present = [s for s in steps if s.state == "present"]
    absent = [s for s in steps if s.state == "absent"]
    assert steps == present + absent
    # No detach step: removing the server detaches its volume (the guest need not consent).
    assert modules(absent) == [
        (m, "absent")
        for m in (
            "stack",
            "floating_ip",
            "server",
            "volume",
            "keypair",
            "security_group",
            "router",
            "network",
            "quota",
            "user",
            "project",
            "identity_domain",
        )
    ]
    # What goes with its parent has no step: subnets, rules, the removed user's role assignments.
    assert not [s for s in absent if s.module in ("subnet", "security_group_rule", "role_assignment")]
    # The quotas of a removed project are reset, for the services it named.
    quota = next(s for s in absent if s.module == "quota")
    assert quota.params == {
        "project": "demo",
        "project_domain": "customers",
        "state": "absent",
        "compute": {},
        "network": {},
    }
    # Removals need nothing and carry only what finds the resource.
    assert all(s.needs == [] for s in absent)
    server = next(s for s in absent if s.module == "server")
    assert server.params == {
        "name": "web1",
        "state": "absent",
        "auth": {"project_name": "demo", "project_domain_name": "customers"},
    }
    assert server.project == "project customers/demo"


def test_absent_project_refuses_a_present_reference_to_its_user(files):
    d = base()
    d["projects"][0]["state"] = "absent"
    assert only(d, files, "reference-to-absent").startswith("projects[1].users[0]: user 'alice'")


def test_within_a_kind_the_description_order_is_kept(files):
    d = base()
    d["flavors"] = [{"name": n, "vcpus": 1, "ram": 1} for n in ("c", "a", "b")]
    d["flavors"] += [{"name": n, "state": "absent"} for n in ("x", "y")]
    d["projects"][0]["servers"][0]["flavor"] = "a"
    steps = [s for s in tenants.plan(d, files) if s.module == "flavor"]
    assert [(s.params["name"], s.state) for s in steps] == [
        ("c", "present"),
        ("a", "present"),
        ("b", "present"),
        ("y", "absent"),
        ("x", "absent"),
    ]


def test_steps_carry_module_parameters(files):
    steps = {s.label: s for s in tenants.plan(base(), files)}
    assert steps["project customers/demo"].params == {
        "name": "demo",
        "domain": "customers",
        "state": "present",
    }
    user = steps["user customers/alice"]
    assert user.params == {
        "name": "alice",
        "domain": "customers",
        "default_project": "demo",
        "state": "present",
    }
    assert user.secret == [0, 0]
    assert steps["role auditor of user customers/alice on project customers/demo"].params == {
        "role": "auditor",
        "user": "alice",
        "user_domain": "customers",
        "project": "demo",
        "project_domain": "customers",
        "state": "present",
    }
    assert steps["role reader of user customers/alice on project Default/admin"].needs == [
        "user customers/alice",
        "domain customers",
    ]
    rule = steps[
        "rule ingress IPv4 tcp 8000-8080 from group web of security group web of project customers/demo"
    ]
    assert rule.params["port_range_min"] == 8000 and rule.params["port_range_max"] == 8080
    assert rule.params["remote_group"] == "web" and rule.params["security_group"] == "web"
    fip = steps["floating IP of server web1 of project customers/demo"]
    assert fip.params["network"] == "public"  # the gateway of the router on the server's subnet
    assert fip.needs == [
        "server customers/demo/web1",
        "network public",
        "project customers/demo",
        "role_assignment operator customers/demo",
    ]
    server = steps["server web1 of project customers/demo"]
    assert server.params["networks"] == [{"network": "private"}]
    assert server.params["key_name"] == "ops"
    assert server.params["auth"] == {"project_name": "demo", "project_domain_name": "customers"}
    assert steps["image cirros"].params["file"] == str(files.base_dir / "guest.qcow2")
    assert steps["image cirros"].params["visibility"] == "public"
    assert steps["stack app of project customers/demo"].params["template"] == str(files.base_dir / "app.yaml")
    assert "auth" not in steps["network public"].params  # cloud-wide: the cloud's own scope
    router = steps["router edge of project customers/demo"]
    assert router.params["external_gateway"] == {"network": "public"}
    assert router.params["interfaces"] == ["private-v4"]


def test_the_operator_gets_a_role_on_projects_whose_resources_it_makes(files):
    opts = tenants.Options(base_dir=files.base_dir, operator_user="ops", operator_role="admin")
    steps = [s for s in tenants.plan(base(), opts) if s.key.startswith("role_assignment operator")]
    assert [(s.label, s.params) for s in steps] == [
        (
            "role admin of the operator Default/ops on project customers/demo",
            {
                "role": "admin",
                "user": "ops",
                "user_domain": "Default",
                "project": "demo",
                "project_domain": "customers",
                "state": "present",
            },
        )
    ]
    # A project with users only needs no operator.
    identity = {"projects": [{"name": "p", "users": [{"name": "u", "roles": ["member"]}]}]}
    assert not [s for s in tenants.plan(identity, files) if "operator" in s.key]


def test_keypair_from_a_file(files):
    d = base()
    d["projects"][0]["keypairs"][0] = {"name": "ops", "public_key_file": "ops.pub"}
    step = next(s for s in tenants.plan(d, files) if s.module == "keypair")
    assert step.params["public_key_file"] == str(files.base_dir / "ops.pub")
    assert "public_key" not in step.params


def test_revoking_a_role(files):
    d = base()
    d["projects"][0]["users"][0]["roles"] = ["member", {"name": "auditor", "state": "absent"}]
    d["projects"][1]["users"][0]["state"] = "absent"
    absent = [s for s in tenants.plan(d, files) if s.state == "absent"]
    assert [s.label for s in absent] == [
        "role reader of user customers/alice on project Default/admin",
        "role auditor of user customers/alice on project customers/demo",
    ]


def test_no_secret_in_the_plan(files):
    result = tenants.check(base(), files)
    assert SECRET not in json.dumps(result.phases())


def test_phases_group_one_module_and_state():
    result = tenants.check(
        {
            "flavors": [
                {"name": "a", "vcpus": 1, "ram": 1},
                {"name": "b", "state": "absent"},
            ],
            "roles": [{"name": "r"}],
        }
    )
    assert [(p["title"], len(p["steps"])) for p in result.phases()] == [
        ("Create or update roles", 1),
        ("Create or update flavors", 1),
        ("Remove flavors", 1),
    ]


def test_scoped_absent_projects(files):
    d = base()
    d["projects"][0]["state"] = "absent"
    d["projects"][1]["users"] = []
    assert tenants.check(d, files).scoped_absent_projects() == ["project customers/demo"]


# --- check mode helpers -------------------------------------------------------------------------
def step(key, state="present", needs=(), project=None, module="project"):
    return {"key": key, "state": state, "needs": list(needs), "project": project, "module": module}


def test_deferred_and_ready():
    steps = [
        step("user a", needs=["project p"]),
        step("user b", needs=["project q"]),
        step("user c", state="absent", needs=["project p"]),
        step("server s", state="absent", project="project gone"),
    ]
    assert [s["key"] for s in tenants.deferred(steps, ["project p"])] == ["user a"]
    assert [s["key"] for s in tenants.ready(steps, ["project p"], ["project gone"])] == ["user b", "user c"]


def test_would_create():
    assert tenants.would_create(step("p"), {"changed": True, "project": {"id": None, "name": "p"}})
    assert not tenants.would_create(step("p"), {"changed": True, "project": {"id": "abc", "name": "p"}})
    assert tenants.would_create(step("p"), {"changed": True, "diff": {"before": {}, "after": {"name": "p"}}})
    assert not tenants.would_create(step("p"), {"changed": False, "project": {"id": None}})
    assert not tenants.would_create(step("p", state="absent"), {"changed": True, "project": None})
    assert tenants.would_create(step("r", module="role_assignment"), {"changed": True, "assignment": {}})


def test_pending_accumulates():
    results = [
        {"item": step("project a"), "changed": True, "project": {"id": None}},
        {"item": step("project b"), "changed": True, "project": {"id": "x"}},
        {"item": step("project c"), "changed": False, "project": {"id": "y"}},
    ]
    deferred = [step("user d"), step("user e", state="absent")]
    assert tenants.pending(["domain z"], results, deferred) == ["domain z", "project a", "user d"]


def test_gone():
    projects = [{"name": "demo", "domain_id": "d1"}, {"name": "x", "domain_id": "default"}]
    domains = [{"id": "d1", "name": "customers"}, {"id": "default", "name": "Default"}]
    wanted = ["project customers/demo", "project Default/x", "project customers/old"]
    assert tenants.gone(wanted, projects, domains) == ["project customers/old"]


# --- the playbook refuses a bad description before any API call --------------------------------
def test_playbook_refuses_a_bad_description(tmp_path):
    desc = base()
    desc["projects"][0]["servers"][0]["networks"] = ["privat"]
    (tmp_path / "guest.qcow2").write_bytes(b"q")
    (tmp_path / "app.yaml").write_text("{}\n")
    path = tmp_path / "tenants.yml"
    path.write_text(yaml.safe_dump(desc))
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(tmp_path / "no-clouds.yaml"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "playbooks/tenants.yml",
            "-e",
            f"tenants_file={path}",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "the tenant description is not valid (1 problem(s)); nothing was changed" in out
    assert "projects[0].servers[0].networks[0]: network 'privat' is not defined" in out
    assert "Converge |" not in out and "identity_info" not in out  # no module ran
    assert SECRET not in out


# --- the role's task files and the modules agree ----------------------------------------------------
STEPS = REPO / "roles" / "tenants" / "tasks" / "steps"


def documented(module: str) -> set[str]:
    """The options a module documents (its own; the connection options are common to all)."""
    source = (REPO / "plugins" / "modules" / f"{module}.py").read_text()
    doc = yaml.safe_load(source.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])
    return set(doc.get("options") or {}) | {"state", "auth", "cloud"}


def task_args(module: str) -> set[str]:
    (task,) = yaml.safe_load((STEPS / f"{module}.yml").read_text())
    return set(task[f"stackwright.cloud.{module}"])


def test_every_module_of_the_plan_has_a_task_file():
    assert {p.stem for p in STEPS.glob("*.yml")} == set(tenants.ORDER)


@pytest.mark.parametrize("module", tenants.ORDER)
def test_task_files_send_only_documented_options(module):
    if not (REPO / "plugins" / "modules" / f"{module}.py").exists():
        pytest.skip(f"plugins/modules/{module}.py is not written yet")
    assert task_args(module) <= documented(module)


def test_task_files_send_every_parameter_the_plan_has(files):
    d = base()
    d["projects"][0]["stacks"][0].update(environment={"parameters": {"x": 2}}, tags=["t"], timeout=5)
    d["projects"][0]["servers"][0].update(user_data="#!/bin/sh\n", metadata={"a": "b"}, config_drive=True)
    d["projects"].append({"name": "old", "state": "absent", "quotas": {"volume": {"gigabytes": 1}}})
    for step in tenants.plan(d, files):
        missing = set(step.params) - task_args(step.module)
        assert not missing, f"{step.module}: {missing}"
