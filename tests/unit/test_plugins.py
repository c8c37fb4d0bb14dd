"""Pure logic of our Ansible plugins."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleLookupError
from ansible_collections.stackwright.cloud.plugins.filter.hosts import etc_hosts
from ansible_collections.stackwright.cloud.plugins.lookup.lab import LookupModule


def test_etc_hosts_sorted_by_address_with_domain():
    hostvars = {
        "b": {"management_address": "10.0.0.10"},
        "a": {"management_address": "10.0.0.9"},
        "c": {},
    }
    assert etc_hosts(["b", "a", "c"], hostvars, "example.test") == (
        "10.0.0.9 a.example.test a\n10.0.0.10 b.example.test b"
    )
    assert etc_hosts(["a"], hostvars) == "10.0.0.9 a"


def test_lab_lookup_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("STACKWRIGHT_STATE_DIR", str(tmp_path))
    lookup = LookupModule()
    paths = lookup.run(["private_key", "known_hosts"], variables={"stackwright_lab_name": "aio"})
    assert paths == [str(tmp_path / "labs/aio/id_ed25519"), str(tmp_path / "labs/aio/known_hosts")]
    with pytest.raises(AnsibleLookupError, match="stackwright_lab_name"):
        lookup.run(["private_key"], variables={})
    with pytest.raises(AnsibleLookupError, match="unknown lab file"):
        lookup.run(["password"], variables={"stackwright_lab_name": "aio"})


def test_nth_address():
    from ansible_collections.stackwright.cloud.plugins.filter.network import nth_address  # noqa: PLC0415

    assert nth_address("172.29.239.0/24", 100) == "172.29.239.100"
    assert nth_address("172.29.239.0/24", -2) == "172.29.239.254"
