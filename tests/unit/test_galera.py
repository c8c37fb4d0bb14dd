"""Decisions about bringing a Galera cluster up, and about recovering it after a full outage."""

from __future__ import annotations

from ansible_collections.stackwright.cloud.plugins.filter.galera import galera_plan, galera_recovery
from ansible_collections.stackwright.cloud.plugins.filter.network import address_mask

HOSTS = ["db1", "db2", "db3"]
ZERO = "00000000-0000-0000-0000-000000000000"
UUID = "5f9c2b7e-1111-2222-3333-444455556666"


def state(*, active=False, primary=False, fresh=False, seqno=10, safe=False, uuid=UUID):
    return {
        "active": active,
        "primary": primary,
        "fresh": fresh,
        "seqno": seqno,
        "safe_to_bootstrap": safe,
        "uuid": None if fresh else uuid,
    }


def test_new_cluster_bootstraps_on_the_first_host():
    plan = galera_plan(dict.fromkeys(HOSTS, state(fresh=True)), HOSTS)
    assert plan == {
        "action": "bootstrap",
        "bootstrap": "db1",
        "start": ["db2", "db3"],
        "reason": "new cluster",
    }


def test_running_cluster_is_left_alone_and_stopped_members_join():
    up = state(active=True, primary=True)
    assert galera_plan(dict.fromkeys(HOSTS, up), HOSTS)["action"] == "none"
    plan = galera_plan({"db1": state(), "db2": up, "db3": state(fresh=True)}, HOSTS)
    assert plan["action"] == "start" and plan["start"] == ["db1", "db3"] and "db2" in plan["reason"]


def test_a_stopped_cluster_with_data_is_never_bootstrapped_blindly():
    plan = galera_plan({"db1": state(), "db2": state(fresh=True), "db3": state()}, HOSTS)
    assert plan["action"] == "refuse" and "mariadb-recover.yml" in plan["reason"]
    # Running but not primary (a partition): refused too.
    plan = galera_plan({"db1": state(active=True), "db2": state(), "db3": state()}, HOSTS)
    assert plan["action"] == "refuse" and "db1" in plan["reason"]


def test_single_server():
    assert galera_plan({"db1": state(fresh=True)}, ["db1"])["start"] == ["db1"]
    assert galera_plan({"db1": state(active=True)}, ["db1"])["action"] == "none"


def test_recovery_picks_the_highest_committed_seqno():
    states = {"db1": state(seqno=41), "db2": state(seqno=57), "db3": state(seqno=57)}
    choice = galera_recovery(states, HOSTS)
    assert choice["bootstrap"] == "db2" and "57" in choice["reason"]


def test_recovery_prefers_the_member_marked_safe_to_bootstrap():
    states = {"db1": state(seqno=-1), "db2": state(seqno=-1), "db3": state(seqno=60, safe=True)}
    assert galera_recovery(states, HOSTS)["bootstrap"] == "db3"


def test_recovery_refuses_when_it_cannot_decide():
    unknown = {"db1": state(seqno=-1), "db2": state(seqno=5), "db3": state(seqno=7)}
    assert galera_recovery(unknown, HOSTS) == {
        "bootstrap": None,
        "reason": "the committed position of db1 is unknown",
    }
    split = {"db1": state(), "db2": state(uuid=ZERO.replace("0", "1")), "db3": state()}
    assert "different clusters" in galera_recovery(split, HOSTS)["reason"]
    running = {"db1": state(active=True), "db2": state(), "db3": state()}
    assert "stop every member" in galera_recovery(running, HOSTS)["reason"]


def test_address_mask():
    assert address_mask("172.29.236.0/24") == "172.29.236.0/255.255.255.0"
    assert address_mask("10.0.0.0/8") == "10.0.0.0/255.0.0.0"
