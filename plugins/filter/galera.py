"""Decisions about a Galera cluster, from every member's state (roles/mariadb/files/mariadb-state)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: galera_plan
author: stackwright developers
short_description: How to bring a MariaDB (Galera) cluster up
description:
  - Given the state of every database host, returns C(action) (C(none), C(bootstrap), C(start)
    or C(refuse)), the C(bootstrap) host, the hosts to C(start) one after another, and a C(reason).
  - A cluster that is down but holds data is never bootstrapped here (the recovery playbook decides
    which node has the latest data); a new cluster is bootstrapped on the first host.
positional: hosts
options:
  _input:
    description: Host name to state dictionary.
    type: dict
    required: true
  hosts:
    description: The database hosts, in inventory order.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
plan: "{{ states | stackwright.cloud.galera_plan(groups['database']) }}"
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
"""

RECOVER_HINT = (
    "run playbooks/mariadb-recover.yml, which finds the node with the latest data and starts from it"
)


def galera_plan(states, hosts):
    hosts = list(hosts)
    down = [h for h in hosts if not states[h]["active"]]
    if len(hosts) == 1:
        return {
            "action": "start" if down else "none",
            "bootstrap": None,
            "start": down,
            "reason": "single server",
        }
    primary = [h for h in hosts if states[h]["active"] and states[h]["primary"]]
    if primary:
        if not down:
            return {"action": "none", "bootstrap": None, "start": [], "reason": "all members are up"}
        return {
            "action": "start",
            "bootstrap": None,
            "start": down,
            "reason": f"joining the cluster of {primary[0]}",
        }
    if any(states[h]["active"] for h in hosts):
        stuck = [h for h in hosts if states[h]["active"]]
        return {
            "action": "refuse",
            "bootstrap": None,
            "start": [],
            "reason": f"{', '.join(stuck)} run but no member is in a primary component; {RECOVER_HINT}",
        }
    if all(states[h]["fresh"] for h in hosts):
        return {"action": "bootstrap", "bootstrap": hosts[0], "start": hosts[1:], "reason": "new cluster"}
    return {
        "action": "refuse",
        "bootstrap": None,
        "start": [],
        "reason": f"every member is stopped and some hold cluster data; {RECOVER_HINT}",
    }


def galera_recovery(states, hosts):
    """After a full outage: the member to bootstrap from (highest committed seqno), or why not."""
    hosts = list(hosts)
    if any(states[h]["active"] for h in hosts):
        running = [h for h in hosts if states[h]["active"]]
        return {
            "bootstrap": None,
            "reason": f"{', '.join(running)} still run MariaDB: stop every member first",
        }
    uuids = {states[h]["uuid"] for h in hosts if not states[h]["fresh"]}
    if len(uuids) != 1:
        return {
            "bootstrap": None,
            "reason": f"members belong to different clusters ({', '.join(sorted(map(str, uuids)))})",
        }
    marked = [h for h in hosts if states[h]["safe_to_bootstrap"]]
    if len(marked) == 1:
        return {"bootstrap": marked[0], "reason": "the only member marked safe_to_bootstrap"}
    unknown = [
        h for h in hosts if not states[h]["fresh"] and (states[h]["seqno"] is None or states[h]["seqno"] < 0)
    ]
    if unknown:
        return {"bootstrap": None, "reason": f"the committed position of {', '.join(unknown)} is unknown"}
    seqnos = {h: states[h]["seqno"] for h in hosts if not states[h]["fresh"]}
    best = max(seqnos.values())
    leaders = [h for h in hosts if seqnos.get(h) == best]
    return {
        "bootstrap": leaders[0],
        "reason": f"highest committed seqno {best} ({', '.join(f'{h}={s}' for h, s in seqnos.items())})",
    }


class FilterModule:
    def filters(self):
        return {"galera_plan": galera_plan, "galera_recovery": galera_recovery}
