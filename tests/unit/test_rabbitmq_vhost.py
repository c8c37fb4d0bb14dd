"""rabbitmq_vhost: the password check against RabbitMQ's stored hash, and the API calls it plans
(the module itself runs against the real broker in the AIO deploy and the molecule scenario)."""

from __future__ import annotations

import pytest
from ansible_collections.stackwright.cloud.plugins.modules import rabbitmq_vhost

# `rabbitmqctl hash_password s3cret-Pw` on RabbitMQ 4.0.5 (the lab's).
REAL_HASH = "cc9CwQjspo6dBSg8umNXws1M94kD1QkEXuOjTcinuMQ8s1Vj"
SHA256 = "rabbit_password_hashing_sha256"
ALL = {"configure": ".*", "write": ".*", "read": ".*"}
WANT = {
    "vhost": "nova",
    "default_queue_type": "quorum",
    "login_user": "admin",
    "user": "nova",
    "password": "s3cret-Pw",
    "tags": [],
    "permissions": ALL,
}
USER = {"name": "nova", "tags": [], "password_hash": REAL_HASH, "hashing_algorithm": SHA256}
HAVE = {
    "vhost": {"name": "nova", "default_queue_type": "quorum"},
    "user": USER,
    "permissions": {"user": "nova", "vhost": "nova", **ALL},
    "absent_users": [],
}


@pytest.mark.parametrize(
    ("stored", "algorithm", "password", "expected"),
    [
        (REAL_HASH, SHA256, "s3cret-Pw", True),
        (REAL_HASH, SHA256, "s3cret-pw", False),
        (REAL_HASH, "rabbit_password_hashing_sha512", "s3cret-Pw", False),
        (REAL_HASH, "unknown", "s3cret-Pw", False),
        ("", SHA256, "", False),
        ("not base64!", SHA256, "s3cret-Pw", False),
    ],
)
def test_password_is_checked_against_the_salted_hash(stored, algorithm, password, expected):
    assert rabbitmq_vhost.password_matches(stored, algorithm, password) is expected


def test_nothing_to_do_when_everything_matches():
    assert rabbitmq_vhost.plan(HAVE, WANT) == []


def test_a_new_vhost_and_user_get_everything_in_order():
    calls = rabbitmq_vhost.plan({"vhost": None, "user": None, "permissions": None, "absent_users": []}, WANT)
    assert calls == [
        ("PUT", "vhosts/nova", {"default_queue_type": "quorum"}),
        ("DELETE", "permissions/nova/admin", None),
        ("PUT", "users/nova", {"password": "s3cret-Pw", "tags": ""}),
        ("PUT", "permissions/nova/nova", ALL),
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"vhost": {"name": "nova", "default_queue_type": "classic"}},
            ["set vhost nova (default queue type quorum)"],
        ),
        (
            {
                "user": {
                    **USER,
                    "password_hash": rabbitmq_vhost.base64.b64encode(b"salt" + b"x" * 32).decode(),
                }
            },
            ["set user nova (password, tags none)"],
        ),
        ({"user": {**USER, "tags": ["monitoring"]}}, ["set user nova (password, tags none)"]),
        ({"user": {**USER, "tags": ""}}, []),
        ({"permissions": {**ALL, "read": "^$"}}, ["set permissions of nova on vhost nova"]),
        ({"absent_users": ["guest"]}, ["remove user guest"]),
    ],
)
def test_only_what_differs_changes(change, expected):
    calls = rabbitmq_vhost.plan({**HAVE, **change}, WANT)
    assert [rabbitmq_vhost.describe(c) for c in calls] == expected


def test_names_are_quoted_in_paths():
    calls = rabbitmq_vhost.plan(
        {"vhost": None, "user": None, "permissions": None, "absent_users": []},
        {**WANT, "vhost": "/", "user": "admin", "tags": ["administrator"]},
    )
    # The administrator keeps the permissions on the vhost it creates for itself.
    assert [c[1] for c in calls] == ["vhosts/%2F", "users/admin", "permissions/%2F/admin"]
    assert calls[1][2]["tags"] == "administrator"
    assert rabbitmq_vhost.describe(calls[2]) == "set permissions of admin on vhost /"
