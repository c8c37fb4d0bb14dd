"""The Erlang address filter the rabbitmq role uses to bind the distribution listener."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.stackwright.cloud.plugins.filter.erlang import erlang_inet_address


def test_ipv4_address_becomes_a_four_tuple():
    assert erlang_inet_address("172.29.247.11") == "{172,29,247,11}"
    assert erlang_inet_address(" 10.0.0.1 ") == "{10,0,0,1}"


def test_ipv6_address_becomes_eight_16_bit_groups():
    assert erlang_inet_address("fd00::1") == "{64768,0,0,0,0,0,0,1}"
    assert erlang_inet_address("::1") == "{0,0,0,0,0,0,0,1}"


def test_not_an_address_is_refused():
    with pytest.raises(AnsibleFilterError, match="erlang_inet_address"):
        erlang_inet_address("mq1")
