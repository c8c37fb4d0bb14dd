#!/usr/bin/python
"""Module: a RabbitMQ vhost, a user and its permissions on it, in one call."""

from __future__ import annotations

DOCUMENTATION = r"""
module: rabbitmq_vhost
author: stackwright developers
short_description: A RabbitMQ vhost and a user with its tags and permissions on it
description:
  - Ensures a vhost (with its default queue type), a user (password, tags) and the user's
    permissions on the vhost, reading and changing them through the management HTTP API, in one
    call instead of an Erlang VM start per C(rabbitmqctl) command (about 0.7 s each).
  - The password is checked against the stored salted hash, so a run that changes nothing
    changes nothing, and it is never returned.
  - When I(user) is I(login_user) and that login fails (a new node, a changed administrator
    password), the user is created or its password set with C(rabbitmqctl) on the node the module
    runs on, password on standard input; the rest then goes through the API.
options:
  api_url:
    description: The management API's base URL, e.g. C(http://10.0.0.11:15672).
    type: str
    required: true
  login_user:
    description: An administrator the API accepts.
    type: str
    required: true
  login_password:
    description: Its password.
    type: str
    required: true
  vhost:
    description: The vhost.
    type: str
    required: true
  default_queue_type:
    description: Type of the queues declared in I(vhost) without one.
    type: str
    choices: [quorum, classic, stream]
    default: quorum
  user:
    description: The user.
    type: str
    required: true
  password:
    description: The user's password.
    type: str
    required: true
  tags:
    description: The user's tags (e.g. C(administrator)); others are removed.
    type: list
    elements: str
    default: []
  permissions:
    description: The user's configure, write and read permissions on I(vhost) (regexes).
    type: dict
    default: {configure: ".*", write: ".*", read: ".*"}
  absent_users:
    description: Users removed when present (e.g. the default C(guest)).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait for the API to answer (it starts after the node).
    type: int
    default: 60
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Nova's vhost and user
  stackwright.cloud.rabbitmq_vhost:
    api_url: http://10.0.0.11:15672
    login_user: admin
    login_password: "{{ rabbitmq_admin_password }}"
    vhost: nova
    user: nova
    password: "{{ nova_rabbitmq_password }}"
  no_log: true
"""

RETURN = r"""
changes:
  description: What was (or in check mode would be) changed.
  type: list
  elements: str
  returned: always
"""

import base64
import hashlib
import hmac
import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from ansible.module_utils.basic import AnsibleModule

HASHES = {
    "rabbit_password_hashing_sha256": hashlib.sha256,
    "rabbit_password_hashing_sha512": hashlib.sha512,
    "rabbit_password_hashing_md5": hashlib.md5,
}
PERMISSIONS = ("configure", "write", "read")


def password_matches(stored: str, algorithm: str, password: str) -> bool:
    """RabbitMQ stores base64(salt + H(salt + password)) with a 4-byte salt."""
    digest = HASHES.get(algorithm)
    try:
        raw = base64.b64decode(stored or "", validate=True)
    except ValueError:
        return False
    if digest is None or len(raw) <= 4:
        return False
    salt = raw[:4]
    return hmac.compare_digest(raw[4:], digest(salt + password.encode()).digest())


def plan(have: dict, want: dict) -> list[tuple[str, str, dict | None]]:
    """The API calls (method, path, body) that bring `have` (vhost, user, permissions and the
    absent users found, as the API returns them; None when missing) to `want`."""
    vhost, user = urllib.parse.quote(want["vhost"], safe=""), urllib.parse.quote(want["user"], safe="")
    calls: list[tuple[str, str, dict | None]] = []
    if have["vhost"] is None or have["vhost"].get("default_queue_type") != want["default_queue_type"]:
        calls.append(("PUT", f"vhosts/{vhost}", {"default_queue_type": want["default_queue_type"]}))
    if have["vhost"] is None and want["login_user"] != want["user"]:
        # The API grants the user creating a vhost every permission on it: not wanted here.
        login = urllib.parse.quote(want["login_user"], safe="")
        calls.append(("DELETE", f"permissions/{vhost}/{login}", None))
    current = have["user"]
    tags = current.get("tags", []) if current else []
    if isinstance(tags, str):  # older servers: one comma-separated string
        tags = [t for t in tags.split(",") if t]
    if (
        current is None
        or sorted(tags) != sorted(want["tags"])
        or not password_matches(
            current.get("password_hash", ""), current.get("hashing_algorithm", ""), want["password"]
        )
    ):
        calls.append(("PUT", f"users/{user}", {"password": want["password"], "tags": ",".join(want["tags"])}))
    wanted = {k: want["permissions"][k] for k in PERMISSIONS}
    if have["permissions"] is None or {k: have["permissions"].get(k) for k in PERMISSIONS} != wanted:
        calls.append(("PUT", f"permissions/{vhost}/{user}", wanted))
    calls += [("DELETE", f"users/{urllib.parse.quote(u, safe='')}", None) for u in have["absent_users"]]
    return calls


def describe(call: tuple[str, str, dict | None]) -> str:
    method, path, body = call
    kind, _, name = path.partition("/")
    if method == "DELETE" and kind == "users":
        return f"remove user {urllib.parse.unquote(name)}"
    if kind == "vhosts":
        return f"set vhost {urllib.parse.unquote(name)} (default queue type {body['default_queue_type']})"
    if kind == "users":
        return f"set user {urllib.parse.unquote(name)} (password, tags {body['tags'] or 'none'})"
    vhost, user = (urllib.parse.unquote(n) for n in name.split("/"))
    return f"{'remove' if method == 'DELETE' else 'set'} permissions of {user} on vhost {vhost}"


class API:
    def __init__(self, module, url: str, user: str, password: str):
        self.module, self.url = module, url.rstrip("/") + "/api/"
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None):
        """The decoded answer; None for 404. HTTPError for other refusals."""
        data = json.dumps(body).encode() if body is not None else None
        # The scheme is checked in main(): http or https only.
        request = urllib.request.Request(self.url + path, data=data, headers=self.headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                text = answer.read()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise
        return json.loads(text) if text else {}

    def login(self, timeout: int) -> bool:
        """True once the API accepts the credentials, False when it refuses them (401)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.call("GET", "whoami")
                return True
            except urllib.error.HTTPError as error:
                if error.code == 401:
                    return False
                problem = f"HTTP {error.code}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                problem = str(getattr(error, "reason", error))
            if time.monotonic() > deadline:
                self.module.fail_json(
                    msg=f"the management API at {self.url} did not answer in {timeout} s: {problem}"
                )
            time.sleep(1)


def rabbitmqctl(module, *args: str, stdin: str | None = None) -> str:
    proc = subprocess.run(["rabbitmqctl", *args], input=stdin, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        module.fail_json(msg=f"rabbitmqctl {args[0]} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


def bootstrap_login(module, p) -> list[str]:
    """Create the login user (or reset its password) with rabbitmqctl: the API refused it."""
    users = json.loads(rabbitmqctl(module, "-q", "list_users", "--formatter", "json") or "[]")
    exists = p["user"] in [u["user"] for u in users]
    changes = [f"{'set password of' if exists else 'create'} user {p['user']} (rabbitmqctl)"]
    if module.check_mode:
        return changes
    # Passwords go through stdin (not with -q: it then waits forever).
    rabbitmqctl(module, "change_password" if exists else "add_user", p["user"], stdin=p["password"])
    rabbitmqctl(module, "-q", "set_user_tags", p["user"], *p["tags"])
    return changes


def main():
    module = AnsibleModule(
        argument_spec={
            "api_url": {"type": "str", "required": True},
            "login_user": {"type": "str", "required": True},
            "login_password": {"type": "str", "required": True, "no_log": True},
            "vhost": {"type": "str", "required": True},
            "default_queue_type": {
                "type": "str",
                "choices": ["quorum", "classic", "stream"],
                "default": "quorum",
            },
            "user": {"type": "str", "required": True},
            "password": {"type": "str", "required": True, "no_log": True},
            "tags": {"type": "list", "elements": "str", "default": []},
            "permissions": {"type": "dict", "default": {"configure": ".*", "write": ".*", "read": ".*"}},
            "absent_users": {"type": "list", "elements": "str", "default": []},
            "timeout": {"type": "int", "default": 60},
        },
        supports_check_mode=True,
    )
    p = module.params
    missing = [k for k in PERMISSIONS if not isinstance(p["permissions"].get(k), str)]
    if missing:
        module.fail_json(msg=f"permissions needs configure, write and read; missing: {', '.join(missing)}")
    if urllib.parse.urlsplit(p["api_url"]).scheme not in ("http", "https"):
        module.fail_json(msg=f"api_url must be an http or https URL, not {p['api_url']}")
    api = API(module, p["api_url"], p["login_user"], p["login_password"])
    changes: list[str] = []
    if not api.login(p["timeout"]):
        if p["user"] != p["login_user"]:
            module.fail_json(msg=f"the management API refused the login of {p['login_user']}")
        changes += bootstrap_login(module, p)
        if module.check_mode:
            module.exit_json(changed=True, changes=changes)
        if not api.login(p["timeout"]):
            module.fail_json(
                msg=f"the management API still refuses {p['login_user']} after setting its password"
            )
    quoted = urllib.parse.quote
    have = {
        "vhost": api.call("GET", f"vhosts/{quoted(p['vhost'], safe='')}"),
        "user": api.call("GET", f"users/{quoted(p['user'], safe='')}"),
        "permissions": api.call(
            "GET", f"permissions/{quoted(p['vhost'], safe='')}/{quoted(p['user'], safe='')}"
        ),
        "absent_users": [
            u for u in p["absent_users"] if api.call("GET", f"users/{quoted(u, safe='')}") is not None
        ],
    }
    calls = plan(have, p)
    changes += [describe(c) for c in calls]
    if not module.check_mode:
        for method, path, body in calls:
            try:
                api.call(method, path, body)
            except urllib.error.HTTPError as error:
                module.fail_json(
                    msg=f"{method} {path}: HTTP {error.code} {error.read().decode(errors='replace')}"
                )
    module.exit_json(changed=bool(changes), changes=changes)


if __name__ == "__main__":
    main()
