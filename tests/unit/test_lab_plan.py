"""How an inventory maps onto lab containers (no podman needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stackwright import contract, inventory, lab, paths
from stackwright.validator import InventoryView

REPO = Path(__file__).resolve().parents[2]


def plan_of(name):
    return lab.plan(InventoryView.from_inventory_json(inventory.load(REPO / "inventories" / name)))


def test_multinode_plan():
    plan = plan_of("multinode")
    assert plan.name == "multinode"
    assert [n.host for n in plan.nodes] == ["cmp1", "cmp2", "ctl1", "ctl2", "ctl3", "net1", "stor1"]
    # management first: it carries the default route; only it routes out of the lab.
    assert plan.networks[0].name == "management" and not plan.networks[0].internal
    assert all(n.internal for n in plan.networks[1:])
    assert {n.podman_name for n in plan.networks} == {
        f"sw-multinode-{name}" for name in ("management", "tunnel", "storage", "external")
    }
    assert all(node.privileged for node in plan.nodes)


def test_run_args_carry_addresses_and_identity():
    plan = plan_of("multinode")
    net1 = next(n for n in plan.nodes if n.host == "net1")
    args = net1.run_args(plan, "img:1")
    assert args[args.index("--hostname") + 1] == "net1"
    nets = [a for a in args if ":ip=" in a]
    assert nets[0].startswith("sw-multinode-management:ip=172.29.240.21,mac=02:")
    assert nets[0].endswith(",interface_name=management")
    assert nets[1].startswith("sw-multinode-external:ip=172.29.243.21,mac=02:")
    # MACs are stable and distinct per node and network.
    assert net1.run_args(plan, "img:1") == args
    macs = [
        a.split("mac=")[1].split(",")[0] for n in plan.nodes for a in n.run_args(plan, "i") if "mac=" in a
    ]
    assert len(macs) == len(set(macs))
    assert not any("storage" in a for a in args)  # net1 has no storage address
    assert f"{lab.LABEL}=multinode" in args and "--no-hosts" in args
    assert args[-2:] == ["img:1", "/sbin/init"]
    # The wheelhouse (where the role keeps it by default) outlives the node, on the deploy host.
    defaults = yaml.safe_load((REPO / "roles/openstack_service/defaults/main.yml").read_text())
    assert (
        args[args.index("--volume") + 1] == f"{paths.wheel_cache()}:{defaults['openstack_service_wheel_dir']}"
    )


def test_spec_changes_with_inventory_and_image():
    plan = plan_of("aio")
    node = plan.nodes[0]
    before = node.spec(plan, "img:1")
    assert node.spec(plan, "img:1") == before
    assert node.spec(plan, "img:2") != before
    node.addresses[contract.REQUIRED_NETWORK] = "172.29.236.99"
    assert node.spec(plan, "img:1") != before


def test_unprivileged_nodes_get_only_routing_capabilities():
    view = InventoryView(
        groups={"all": {"db1"}, "database": {"db1"}},
        hostvars={
            "db1": {
                "stackwright_lab_name": "t",
                "management_address": "10.0.0.5",
                "stackwright_networks": {"management": {"cidr": "10.0.0.0/24"}},
            }
        },
    )
    plan = lab.plan(view)
    (node,) = plan.nodes
    assert not node.privileged
    args = node.run_args(plan, "img")
    assert "--privileged" not in args and "NET_ADMIN,SYS_TIME" in args
    assert plan.networks[0].gateway == "10.0.0.1"


def test_lab_name_rules():
    bad = InventoryView(groups={}, hostvars={"h": {"stackwright_lab_name": "Bad_Name"}})
    with pytest.raises(lab.LabError, match="a-z, 0-9"):
        lab.lab_name(bad)
    with pytest.raises(lab.LabError, match="sets no stackwright_lab_name"):
        lab.lab_name(InventoryView(groups={}, hostvars={"h": {}}))


def test_memory_from_cgroup_v2_and_v1(tmp_path):
    v2 = tmp_path / "v2" / "libpod_parent" / "libpod-abc"
    v2.mkdir(parents=True)
    (v2 / "memory.stat").write_text("anon 4096\nfile 8192\n")
    (v2 / "memory.peak").write_text("16384\n")
    assert lab.memory("/libpod_parent/libpod-abc", root=tmp_path / "v2") == {"used": 4096, "peak": 16384}
    v1 = tmp_path / "v1" / "memory" / "libpod_parent" / "libpod-abc"
    v1.mkdir(parents=True)
    (v1 / "memory.stat").write_text("cache 10\nrss 5\ntotal_cache 20\ntotal_rss 7\n")
    (v1 / "memory.max_usage_in_bytes").write_text("30\n")
    assert lab.memory("/libpod_parent/libpod-abc", root=tmp_path / "v1") == {"used": 7, "peak": 30}
    assert lab.memory("/libpod_parent/gone", root=tmp_path / "v1") is None
