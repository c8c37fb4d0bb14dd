"""ceph_key: the keyring it imports and what it decides to change (the cluster side runs in the
AIO deploy: client.cinder is made by it)."""

from __future__ import annotations

import pytest
from ansible_collections.stackwright.cloud.plugins.modules import ceph_key

CAPS = {"osd": "profile rbd pool=volumes", "mon": "profile rbd"}


def test_keyring_holds_the_key_and_every_cap_quoted():
    text = ceph_key.keyring("client.cinder", "AQB", CAPS)
    assert text.splitlines() == [
        "[client.cinder]",
        "\tkey = AQB",
        '\tcaps mon = "profile rbd"',
        '\tcaps osd = "profile rbd pool=volumes"',
    ]


@pytest.mark.parametrize(
    ("current", "key", "caps", "state", "expected"),
    [
        (None, "k", CAPS, "present", ["create"]),
        ({"key": "k", "caps": dict(CAPS)}, "k", CAPS, "present", []),
        ({"key": "old", "caps": dict(CAPS)}, "k", CAPS, "present", ["key"]),
        ({"key": "k", "caps": {"mon": "profile rbd"}}, "k", CAPS, "present", ["caps"]),
        ({"key": "old"}, "k", CAPS, "present", ["key", "caps"]),
        ({"key": "k", "caps": CAPS}, None, {}, "absent", ["delete"]),
        (None, None, {}, "absent", []),
    ],
)
def test_changes(current, key, caps, state, expected):
    assert ceph_key.changes(current, key, caps, state) == expected


def test_entity_names():
    assert ceph_key.ENTITY.match("client.cinder") and ceph_key.ENTITY.match("mgr.aio1")
    assert not ceph_key.ENTITY.match("cinder") and not ceph_key.ENTITY.match("client.a b")
