"""Parsing Open vSwitch maps and writing settings back (roles/ovn)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.stackwright.cloud.plugins.filter.ovs import ovs_differs, ovs_map, ovs_setting

PRINTED = '{hostname=aio1, ovn-encap-ip="172.29.237.11", ovn-remote="tcp:10.0.0.1:6642,tcp:10.0.0.2:6642"}'


def test_ovs_map_parses_quoted_values_with_commas():
    assert ovs_map(PRINTED) == {
        "hostname": "aio1",
        "ovn-encap-ip": "172.29.237.11",
        "ovn-remote": "tcp:10.0.0.1:6642,tcp:10.0.0.2:6642",
    }
    assert ovs_map("{}") == {}
    assert ovs_map('{a="say \\"hi\\""}') == {"a": 'say "hi"'}


def test_ovs_map_refuses_garbage():
    with pytest.raises(AnsibleFilterError, match="not an OVS map"):
        ovs_map("hostname=aio1")
    with pytest.raises(AnsibleFilterError, match="unterminated quote"):
        ovs_map('{a="x}')


def test_ovs_differs_only_on_wanted_keys():
    assert not ovs_differs({"hostname": "aio1"}, PRINTED)
    assert ovs_differs({"hostname": "aio2"}, PRINTED)
    assert ovs_differs({"ovn-bridge-mappings": "physnet1:br-ex"}, PRINTED)


def test_ovs_setting_quotes_values():
    assert ovs_setting({"key": "ovn-remote", "value": "tcp:1.2.3.4:6642"}, "external_ids") == (
        'external_ids:ovn-remote="tcp:1.2.3.4:6642"'
    )
    assert ovs_setting({"key": "k", "value": 'a"b'}, "external_ids") == 'external_ids:k="a\\"b"'
