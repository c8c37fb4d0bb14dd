"""Filters that turn declarative config dicts into files, so templates never format by hand.

A service's config template renders a YAML dict of sections -> options; the role merges the
operator's override dict over it (combine, recursive) and the `ini` filter writes the file. A
null or omitted value drops the option, so an override can remove what the template sets.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: ini
author: stackwright developers
short_description: Render a dict of sections and options as an INI file (oslo.config, uwsgi, paste)
description:
  - Sections and options are written in sorted order, C(DEFAULT) first, so the output is stable.
  - true/false become C(true)/C(false); null drops the option (and an empty section is still written).
  - A list is joined with commas (oslo.config ListOpt), or, with I(repeat=true), written as the
    same key once per value (uwsgi, oslo.config MultiStrOpt).
options:
  _input:
    description: Mapping of section name -> mapping of option -> value.
    type: dict
    required: true
  repeat:
    description: Write list values as repeated keys instead of comma-joined.
    type: bool
    default: false
"""

from urllib.parse import quote

from ansible.errors import AnsibleFilterError

_FIRST = ("DEFAULT", "uwsgi")


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if "\n" in text:
        # oslo.config continues a value on indented lines.
        return "\n    ".join(text.splitlines())
    return text


def ini(sections, repeat=False):
    if not isinstance(sections, dict):
        raise AnsibleFilterError(f"ini: expected a mapping of sections, got {type(sections).__name__}")
    order = sorted(sections, key=lambda s: (s not in _FIRST, _FIRST.index(s) if s in _FIRST else 0, s))
    lines: list[str] = []
    for section in order:
        options = sections[section]
        if options is None:
            continue
        if not isinstance(options, dict):
            raise AnsibleFilterError(f"ini: section [{section}] must be a mapping of options")
        if lines:
            lines.append("")
        lines.append(f"[{section}]")
        for key in sorted(options):
            value = options[key]
            if value is None:
                continue
            if isinstance(value, dict):
                raise AnsibleFilterError(
                    f"ini: [{section}] {key} is a mapping; options hold scalars or lists"
                )
            if isinstance(value, list | tuple):
                if repeat:
                    lines.extend(f"{key} = {_scalar(v)}" for v in value)
                    continue
                value = ",".join(_scalar(v) for v in value)
            lines.append(f"{key} = {_scalar(value)}")
    return "\n".join(lines) + "\n"


def database_url(database, host, driver="mysql+pymysql"):
    """SQLAlchemy URL of a descriptor's database entry ({name, user?, password}) on HOST."""
    try:
        name, password = database["name"], database["password"]
    except (KeyError, TypeError) as err:
        raise AnsibleFilterError("database_url: the database entry needs a name and a password") from err
    user = database.get("user") or name
    return f"{driver}://{quote(user, safe='')}:{quote(str(password), safe='')}@{host}/{name}?charset=utf8mb4"


def transport_url(hosts, user, password, vhost, port=5671):
    """oslo.messaging transport URL listing every RabbitMQ node (clients fail over between them)."""
    if not hosts:
        raise AnsibleFilterError("transport_url: no RabbitMQ hosts (is the messaging group empty?)")
    auth = f"{quote(str(user), safe='')}:{quote(str(password), safe='')}"
    return (
        "rabbit://" + ",".join(f"{auth}@{host}:{port}" for host in hosts) + f"/{quote(str(vhost), safe='')}"
    )


class FilterModule:
    def filters(self):
        return {"ini": ini, "database_url": database_url, "transport_url": transport_url}
