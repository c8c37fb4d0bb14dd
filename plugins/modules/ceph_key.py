#!/usr/bin/python
"""Module: a cephx entity (key and capabilities) in the cluster's auth database."""

from __future__ import annotations

DOCUMENTATION = r"""
module: ceph_key
author: stackwright developers
short_description: A cephx entity with a given key and capabilities
description:
  - Ensures an entity of the Ceph cluster's auth database (e.g. C(client.cinder)) holds exactly
    the given key and capabilities, through the C(ceph) command with the host's admin keyring.
  - The key travels in a private temporary keyring file, never on a command line, and is never
    returned; the diff shows the capabilities and whether the key changes.
options:
  name:
    description: Entity name (C(client.NAME), C(mgr.NAME), ...).
    type: str
    required: true
  key:
    description:
      - The cephx key (base64, as C(ceph-authtool --gen-print-key) prints).
      - Required unless I(state=absent).
    type: str
  caps:
    description: Capabilities by daemon type (C(mon), C(osd), C(mgr), C(mds)); the entity gets exactly these.
    type: dict
    default: {}
  state:
    description: C(absent) deletes the entity.
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
- name: The key cinder and QEMU use for volumes
  stackwright.cloud.ceph_key:
    name: client.cinder
    key: "{{ ceph_cinder_key }}"
    caps:
      mon: profile rbd
      osd: profile rbd pool=volumes
  no_log: true
"""

RETURN = r"""
changes:
  description: What was (or in check mode would be) changed.
  type: list
  elements: str
  returned: always
"""

import json
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

ENTITY = re.compile(r"^(client|mgr|mon|osd|mds)\.[A-Za-z0-9_.\-]+$")


def keyring(name: str, key: str, caps: dict) -> str:
    """A keyring file holding one entity, as `ceph auth import` reads it."""
    lines = [f"[{name}]", f"\tkey = {key}"]
    lines += [f'\tcaps {daemon} = "{cap}"' for daemon, cap in sorted(caps.items())]
    return "\n".join(lines) + "\n"


def changes(current: dict | None, key: str | None, caps: dict, state: str) -> list[str]:
    """What must change to go from CURRENT (ceph auth get's entry, or None) to the wanted state."""
    if state == "absent":
        return ["delete"] if current else []
    if current is None:
        return ["create"]
    found = []
    if current.get("key") != key:
        found.append("key")
    if (current.get("caps") or {}) != caps:
        found.append("caps")
    return found


def ceph(module, *args, data=None):
    return module.run_command(["ceph", *args], data=data, binary_data=True, check_rc=False)


def current_entry(module, name):
    rc, out, err = ceph(module, "auth", "get", name, "--format", "json")
    if rc == 2 or "ENOENT" in err or "failed to find" in err:
        return None
    if rc != 0:
        module.fail_json(msg=f"ceph auth get {name} failed (rc {rc}): {err.strip()}")
    entries = json.loads(out or "[]")
    return entries[0] if entries else None


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "key": {"type": "str", "no_log": True},
            "caps": {"type": "dict", "default": {}},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        required_if=[("state", "present", ["key"])],
        supports_check_mode=True,
    )
    name, key, state = module.params["name"], module.params["key"], module.params["state"]
    caps = {daemon: str(cap) for daemon, cap in module.params["caps"].items()}
    if not ENTITY.match(name):
        module.fail_json(msg=f"name {name!r} is not a Ceph entity (client.NAME, mgr.NAME, osd.N, ...)")
    current = current_entry(module, name)
    todo = changes(current, key, caps, state)
    before = {"caps": (current or {}).get("caps", {})} if current else {}
    after = {} if state == "absent" else {"caps": caps}
    if "key" in todo:
        before["key"], after["key"] = "(a key)", "(another key)"
    result = {"changed": bool(todo), "changes": todo, "diff": {"before": before, "after": after}}
    if not todo or module.check_mode:
        module.exit_json(**result)
    if state == "absent":
        rc, _, err = ceph(module, "auth", "del", name)
    else:
        with tempfile.NamedTemporaryFile("w", prefix="ceph-key-", delete=False) as handle:
            os.chmod(handle.name, 0o600)
            handle.write(keyring(name, key, caps))
        try:
            rc, _, err = ceph(module, "auth", "import", "-i", handle.name)
        finally:
            os.unlink(handle.name)
    if rc != 0:
        module.fail_json(
            msg=f"ceph auth {'del' if state == 'absent' else 'import'} {name} failed (rc {rc}): {err.strip()}"
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
