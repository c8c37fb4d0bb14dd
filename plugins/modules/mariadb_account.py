#!/usr/bin/python
"""Module: a MariaDB database and the account that uses it, through the local server's socket."""

from __future__ import annotations

DOCUMENTATION = r"""
module: mariadb_account
author: stackwright developers
short_description: A MariaDB database and an account with privileges on it
description:
  - Ensures a database, a user account (password or unix_socket authentication) and its
    privileges on the local MariaDB server, talking to it through the C(mariadb) client over the
    server's UNIX socket as root. In a Galera cluster, run it on one member; it replicates.
  - Passwords are sent on standard input, never on a command line, and never returned.
options:
  name:
    description: Account name.
    type: str
    required: true
  host:
    description: Host part of the account (e.g. C(%), C(localhost), C(10.0.0.0/255.255.255.0)).
    type: str
    default: "%"
  password:
    description: Password; required unless I(auth=unix_socket) or I(state=absent).
    type: str
  auth:
    description: How the account authenticates.
    type: str
    choices: [password, unix_socket]
    default: password
  database:
    description:
      - Databases to create and grant I(privileges) on (one name, or a list, e.g. nova uses three);
        omit for an account without one. Grants on other databases are revoked.
    type: list
    elements: str
  privileges:
    description: Privileges on I(database) (or on C(*.*) without a database).
    type: list
    elements: str
    default: [ALL PRIVILEGES]
  state:
    description: C(absent) drops the account (never the database, whose data may matter).
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Keystone's database and account
  stackwright.cloud.mariadb_account:
    name: keystone
    password: "{{ keystone_database_password }}"
    database: keystone
  no_log: true
"""

RETURN = r"""
changes:
  description: What was (or in check mode would be) changed.
  type: list
  elements: str
  returned: always
"""

import re
import subprocess

from ansible.module_utils.basic import AnsibleModule

IDENT = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
HOSTPAT = re.compile(r"^[A-Za-z0-9_.%:/\-]{1,255}$")
PRIV = re.compile(r"^[A-Z ]{3,40}$")


class SQL:
    def __init__(self, module):
        self.module = module

    def run(self, statement: str) -> list[list[str]]:
        proc = subprocess.run(
            ["mariadb", "--batch", "--skip-column-names", "--raw"],
            input=statement,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            self.module.fail_json(msg=f"mariadb failed: {proc.stderr.strip()}")
        return [line.split("\t") for line in proc.stdout.splitlines()]


def quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def wanted_grants(params) -> set[str]:
    targets = [f"`{d}`.*" for d in params["database"] or []] or ["*.*"]
    return {f"{p.upper()} ON {target}" for p in params["privileges"] for target in targets}


def current_grants(sql: SQL, account: str) -> set[str]:
    out = set()
    for (line,) in sql.run(f"SHOW GRANTS FOR {account};"):
        match = re.match(r"GRANT (.+?) ON (\S+) TO ", line)
        if match and match.group(1) != "USAGE":
            out |= {f"{p.strip()} ON {match.group(2)}" for p in match.group(1).split(",")}
    return out


def _where(p) -> str:
    return f"FROM mysql.global_priv WHERE User={quote(p['name'])} AND Host={quote(p['host'])}"


def plan_present(sql: SQL, p, account: str, exists: bool) -> tuple[list[str], list[str]]:
    changes: list[str] = []
    statements: list[str] = []
    for database in p["database"] or []:
        if not sql.run(f"SHOW DATABASES LIKE {quote(database)};"):
            changes.append(f"create database {database}")
            statements.append(
                f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;"
            )
    if p["auth"] == "unix_socket":
        ident, same_auth = "IDENTIFIED VIA unix_socket", "JSON_VALUE(Priv, '$.plugin') = 'unix_socket'"
    else:
        ident = f"IDENTIFIED BY {quote(p['password'])}"
        same_auth = f"JSON_VALUE(Priv, '$.authentication_string') = PASSWORD({quote(p['password'])})"
    if not exists:
        changes.append(f"create account {p['name']}@{p['host']}")
        statements.append(f"CREATE USER {account} {ident};")
    elif not sql.run(f"SELECT 1 {_where(p)} AND {same_auth};"):
        changes.append(f"set authentication of {p['name']}@{p['host']}")
        statements.append(f"ALTER USER {account} {ident};")
    want = wanted_grants(p)
    have = current_grants(sql, account) if exists else set()
    for verb, grants, prep in (("grant", sorted(want - have), "TO"), ("revoke", sorted(have - want), "FROM")):
        if grants:
            changes.append(f"{verb} {', '.join(grants)}")
            statements += [f"{verb.upper()} {g} {prep} {account};" for g in grants]
    return changes, statements


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "host": {"type": "str", "default": "%"},
            "password": {"type": "str", "no_log": True},
            "auth": {"type": "str", "choices": ["password", "unix_socket"], "default": "password"},
            "database": {"type": "list", "elements": "str"},
            "privileges": {"type": "list", "elements": "str", "default": ["ALL PRIVILEGES"]},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "present" and p["auth"] == "password" and not p["password"]:
        module.fail_json(msg="password is required for a password account")
    bad = [v for v in (p["name"], *(p["database"] or [])) if v and not IDENT.match(v)]
    if bad or not HOSTPAT.match(p["host"]) or any(not PRIV.match(x.upper()) for x in p["privileges"]):
        module.fail_json(msg="name, database, host or privileges contain characters that are not allowed")
    sql = SQL(module)
    account = f"{quote(p['name'])}@{quote(p['host'])}"
    exists = bool(sql.run(f"SELECT 1 {_where(p)};"))
    if p["state"] == "absent":
        changes = [f"drop account {p['name']}@{p['host']}"] if exists else []
        statements = [f"DROP USER {account};"] if exists else []
    else:
        changes, statements = plan_present(sql, p, account, exists)
    if statements and not module.check_mode:
        sql.run("\n".join(statements))
    diff = {"before": "", "after": "\n".join(changes) + ("\n" if changes else "")}
    module.exit_json(changed=bool(changes), changes=changes, diff=diff)


if __name__ == "__main__":
    main()
