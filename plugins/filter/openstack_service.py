"""Decisions of the openstack_service role, in Python so they are unit-tested (not Jinja)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: uwsgi_config
author: stackwright developers
short_description: uwsgi settings of one API process of an OpenStack service descriptor
description:
  - Returns a dict for the C(ini) filter (section C(uwsgi)); C(restart_set) picks the processes to
    restart from the registered results of the role's venv, config, uwsgi and unit tasks.
options:
  _input:
    description: The process entry of the descriptor (name, wsgi, port, processes?, threads?).
    type: dict
    required: true
  bind_address:
    description: Address the process listens on (the host's management address).
    type: str
    required: true
"""

from ansible.errors import AnsibleFilterError


def uwsgi_config(process, bind_address, processes=2, threads=1):
    try:
        name, module, port = process["name"], process["wsgi"], int(process["port"])
    except (KeyError, TypeError, ValueError) as err:
        raise AnsibleFilterError(
            f"uwsgi_config: a WSGI process needs name, wsgi and port: {process}"
        ) from err
    return {
        "uwsgi": {
            "module": module,
            "http-socket": f"{bind_address}:{port}",
            "master": True,
            "processes": int(process.get("processes", processes)),
            "threads": int(process.get("threads", threads)),
            "enable-threads": True,
            # Each worker imports the app itself: no state shared across a fork (eventlet, DB pools).
            "lazy-apps": True,
            "need-app": True,
            "die-on-term": True,
            "exit-on-reload": True,
            "vacuum": True,
            "thunder-lock": True,
            "buffer-size": 65535,
            "http-keepalive": False,
            "add-header": "Connection: close",
            "procname-prefix-spaced": name,
            "log-x-forwarded-for": True,
            "hook-master-start": "unix_signal:15 gracefully_kill_them_all",
        }
    }


def for_host(entries, group_names):
    """The descriptor entries (processes, config files, ...) for a host in GROUP_NAMES: those
    without a `group`, and those whose group the host is in."""
    groups = set(group_names)
    return [e for e in entries or [] if not isinstance(e, dict) or e.get("group") in (None, *groups)]


def db_accounts(databases, default_user):
    """The descriptor's databases grouped by account: [{user, password, names}], in order."""
    accounts: dict[str, dict] = {}
    for db in databases or []:
        user = db.get("user") or default_user
        account = accounts.setdefault(user, {"user": user, "password": db["password"], "names": []})
        if account["password"] != db["password"]:
            raise AnsibleFilterError(f"db_accounts: databases of account '{user}' give different passwords")
        account["names"].append(db["name"])
    return list(accounts.values())


def pick(entry, keys):
    """ENTRY reduced to KEYS (those it has)."""
    return {k: entry[k] for k in keys if k in entry}


def endpoints(services, public_base, internal_base):
    """Catalog endpoints of descriptor services ({name, port, path?}): public on the public base
    URL, internal and admin on the internal one."""
    result = []
    for service in services or []:
        suffix = f":{int(service['port'])}{service.get('path', '')}"
        for interface, base in (
            ("public", public_base),
            ("internal", internal_base),
            ("admin", internal_base),
        ):
            result.append({"service": service["name"], "interface": interface, "url": base + suffix})
    return result


def _changed(results):
    return [r for r in (results or []) if isinstance(r, dict) and r.get("changed")]


def restart_set(names, venv_changed, config_results=None, uwsgi_results=None, unit_results=None):
    """Processes to restart: all when the venv changed; else those whose config, uwsgi ini or unit changed.

    A config file's `restarts` lists the processes reading it (all of the service's by default).
    """
    names = list(names)
    wanted: list[str] = []
    if venv_changed:
        wanted.extend(names)
    for result in _changed(config_results):
        readers = result.get("item", {}).get("restarts")
        wanted.extend(names if readers is None else readers)
    for result in _changed(uwsgi_results) + _changed(unit_results):
        wanted.append(result["item"]["name"])
    return [n for n in names if n in set(wanted)]


class FilterModule:
    def filters(self):
        return {
            "uwsgi_config": uwsgi_config,
            "restart_set": restart_set,
            "for_host": for_host,
            "db_accounts": db_accounts,
            "pick": pick,
            "endpoints": endpoints,
        }
