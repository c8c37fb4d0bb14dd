"""Helpers shared by the network modules (router, port): lookups across projects, list matching."""

from __future__ import annotations

from ansible_collections.stackwright.cloud.plugins.module_utils.resource import find_one


def visible(conn, kind, name_or_id, project, **filters):
    """The network resource named (or with id) ``name_or_id``: in ``project`` (or the token's)
    first, then among every one the user sees (shared networks and their subnets)."""
    scope = project or getattr(conn, "current_project_id", None)
    found = find_one(conn.network, kind, name_or_id, project_id=scope, **filters) if scope else None
    return found or find_one(conn.network, kind, name_or_id, required=True, **filters)


def entries_match(wanted, current):
    """Whether each wanted dict matches a distinct current dict on the keys it gives (a ``None``
    value is not compared), one for one (a bipartite matching: lists are short)."""
    if len(wanted) != len(current):
        return False
    fits = [
        [j for j, c in enumerate(current) if all(v is None or c.get(k) == v for k, v in w.items())]
        for w in wanted
    ]
    owner = {}  # index in current -> index in wanted

    def assign(i, seen):
        for j in fits[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or assign(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return all(assign(i, set()) for i in range(len(wanted)))
