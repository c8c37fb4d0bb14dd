"""Open vSwitch database maps (`ovs-vsctl get ... external_ids`) as dicts, and settings back."""

from __future__ import annotations

DOCUMENTATION = r"""
name: ovs_map
author: stackwright developers
short_description: Parse an Open vSwitch map column as printed by ovs-vsctl get
description:
  - C({hostname=aio1, ovn-remote="tcp:10.0.0.1:6642"}) becomes a dict of strings.
  - C(ovs_differs) tells whether a wanted dict has any key missing or different in such a map;
    C(ovs_setting) turns a dict item into an C(ovs-vsctl set) argument (C(column:key="value")).
options:
  _input:
    description: The map as printed by C(ovs-vsctl get TABLE RECORD COLUMN).
    type: str
    required: true
"""

from ansible.errors import AnsibleFilterError


def _tokens(text):
    """Split on top-level commas, honouring double-quoted strings with backslash escapes."""
    item, quoted, escaped = [], False, False
    for char in text:
        if escaped:
            item.append(char)
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            yield "".join(item).strip()
            item = []
        else:
            item.append(char)
    if quoted:
        raise AnsibleFilterError(f"ovs_map: unterminated quote in {text!r}")
    if "".join(item).strip():
        yield "".join(item).strip()


def ovs_map(text):
    text = (text or "").strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise AnsibleFilterError(f"ovs_map: not an OVS map: {text!r}")
    result = {}
    for token in _tokens(text[1:-1]):
        key, sep, value = token.partition("=")
        if not sep:
            raise AnsibleFilterError(f"ovs_map: no '=' in {token!r}")
        result[key.strip()] = value.strip()
    return result


def ovs_differs(wanted, current_text):
    current = ovs_map(current_text)
    return any(current.get(str(k)) != str(v) for k, v in wanted.items())


def ovs_setting(item, column):
    value = str(item["value"]).replace("\\", "\\\\").replace('"', '\\"')
    return f'{column}:{item["key"]}="{value}"'


class FilterModule:
    def filters(self):
        return {"ovs_map": ovs_map, "ovs_differs": ovs_differs, "ovs_setting": ovs_setting}
