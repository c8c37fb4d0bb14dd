"""The inventory contract in docs/inventory.md names every group and network the code knows."""

from __future__ import annotations

from pathlib import Path

from stackwright import contract

DOC = (Path(__file__).resolve().parents[2] / "docs" / "inventory.md").read_text()


def test_every_group_is_documented():
    for group, meaning in contract.GROUPS.items():
        assert f"| `{group}` | {meaning} |" in DOC


def test_every_network_and_vip_is_documented():
    for network in contract.NETWORKS:
        assert f"`{network}`" in DOC and f"`{contract.address_var(network)}`" in DOC
    for vip in contract.VIPS:
        assert f"`{vip}`" in DOC
