#!/usr/bin/python
"""Module: a heat stack."""

from __future__ import annotations

DOCUMENTATION = r"""
module: stack
author: stackwright developers
short_description: A heat (orchestration) stack
description:
  - Creates, updates or deletes a heat stack, found by name (or id).
  - An existing stack is updated when its template (or a file it includes), one of the
    I(parameters) given, a key of I(environment), I(tags), I(stack_timeout) or I(rollback)
    differs from what is asked, or when it is in a failed state (C(*_FAILED),
    C(ROLLBACK_COMPLETE)); the update runs the stack again. Only the parameters given are
    compared (a stack's parameters also hold heat's C(OS::*) pseudo parameters and the
    template's defaults).
  - An update sends the whole stack definition (heat replaces it); a parameter no longer given
    takes its value from the environment or the template's default again.
  - With I(wait), the module waits for C(CREATE_COMPLETE) or C(UPDATE_COMPLETE) and fails on
    C(*_FAILED) or a rollback, with heat's status reason; deletion waits until the stack is gone
    and fails on C(DELETE_FAILED). A stack found in progress is waited for first.
  - Check mode reports whether the stack would be created, updated or deleted and, with
    C(--diff), the parameters before and after and the template before and after (equal when it
    does not change).
options:
  name:
    description: Name (or id, to find an existing one) of the stack.
    type: str
    required: true
  template:
    description:
      - The HOT template (C(heat_template_version)), required with I(state=present). Either a
        dict; or a string holding the template (YAML or JSON, any string with a line break or
        starting with C({)); or else the path of a template file where the module runs.
      - From a file, the files it includes (C(get_file), nested templates named by a relative
        path) are read and sent along with it, and compared with the stack's.
    type: raw
  parameters:
    description:
      - Parameter values. Only these are compared with the stack's (numbers, booleans, lists and
        maps as heat reads them); C(hidden) parameters cannot be read back and are never compared.
    type: dict
  environment:
    description:
      - An environment (C(parameters), C(parameter_defaults), C(resource_registry),
        C(event_sinks), C(parameter_merge_strategies)), merged over I(environment_files).
      - Only the keys given are compared with the stack's environment.
    type: dict
  environment_files:
    description: Paths of environment files (where the module runs), merged in order.
    type: list
    elements: path
  tags:
    description: Tags of the stack, compared as a set; unset, the stack's tags are kept.
    type: list
    elements: str
  stack_timeout:
    description:
      - Minutes heat gives a create or update before it fails it; unset, heat's default on create
        and the stack's own setting on update.
    type: int
  rollback:
    description:
      - Whether heat rolls a failed create or update back (deletes what a failed create made,
        returns to the previous template after a failed update). Unset, heat's default on create
        (no rollback) and the stack's own setting on update.
    type: bool
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
notes:
  - Stacks take a while; raise I(timeout) (seconds the module waits, 180 by default) to above
    the time the stack needs.
"""

EXAMPLES = r"""
- name: The web tier
  stackwright.cloud.stack:
    cloud: demo
    name: web
    template: "{{ playbook_dir }}/heat/web.yaml"
    environment_files:
      - "{{ playbook_dir }}/heat/env-lab.yaml"
    parameters:
      flavor: m1.small
      count: 2
    tags: [web, lab]
    rollback: true
    timeout: 1200
  register: web

- name: Its outputs
  ansible.builtin.debug:
    msg: "{{ web.outputs.lb_address }}"

- name: A stack from an inline template
  stackwright.cloud.stack:
    cloud: demo
    name: token
    template:
      heat_template_version: "2021-04-16"
      parameters:
        length: {type: number, default: 16}
      resources:
        token:
          type: OS::Heat::RandomString
          properties: {length: {get_param: length}}
      outputs:
        value: {value: {get_attr: [token, value]}}
    parameters:
      length: 32

- name: Gone
  stackwright.cloud.stack:
    cloud: demo
    name: web
    state: absent
    timeout: 1200
"""

RETURN = r"""
stack:
  description:
    - The stack (C(null) when absent), its C(outputs) as a dict; in check mode, the would-be stack.
  type: dict
  returned: always
  sample: {"id": "1e3f...", "name": "web", "status": "CREATE_COMPLETE",
           "status_reason": "Stack CREATE completed successfully", "outputs": {"lb_address": "172.24.4.20"},
           "parameters": {"flavor": "m1.small", "count": "2"}, "tags": ["web", "lab"]}
outputs:
  description: The stack's outputs, output key -> value (C({}) when absent, or in check mode before creation).
  type: dict
  returned: always
  sample: {"lb_address": "172.24.4.20"}
changed_attributes:
  description:
    - What differs (or differed) from the request on an existing stack (C(template), C(files),
      C(parameters), C(environment), C(tags), C(stack_timeout), C(rollback), C(status) for a failed stack).
  type: list
  elements: str
  returned: always
  sample: [template, parameters]
"""

import copy
import datetime
import json
import os
import time
from typing import Any, ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    sdk_exceptions,
    to_dict,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    normalize,
)

try:
    from openstack.orchestration.util import template_format, template_utils
except ImportError:  # pragma: no cover - reported by StackwrightModule
    template_format = template_utils = None

#: The sections of a HOT template (heat refuses any other), as get_stack_template returns them.
HOT_SECTIONS = (
    "heat_template_version",
    "description",
    "parameter_groups",
    "parameters",
    "resources",
    "outputs",
    "conditions",
)
ENVIRONMENT_SECTIONS = (
    "parameters",
    "parameter_defaults",
    "resource_registry",
    "event_sinks",
    "encrypted_param_names",
    "parameter_merge_strategies",
)
#: The sections get_stack_environment returns (the others cannot be compared).
READABLE_SECTIONS = ENVIRONMENT_SECTIONS[:5]
#: How heat shows a hidden parameter's value.
HIDDEN_VALUE = "******"
TRUE_STRINGS = ("1", "t", "true", "on", "y", "yes")
FALSE_STRINGS = ("0", "f", "false", "off", "n", "no")


# --- pure helpers ---------------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """The value with dates as ISO strings and tuples as lists (how heat stores a template)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def hot_sections(template: Any) -> dict[str, Any]:
    """The HOT sections of a template (a dict or an SDK StackTemplate) that are set."""
    get = template.get if isinstance(template, dict) else lambda k: getattr(template, k, None)
    return {k: plain(get(k)) for k in HOT_SECTIONS if get(k) is not None}


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def as_bool(value: Any) -> bool | None:
    """A boolean, or a string heat reads as one (``True``, ``yes``, ``0``...); else ``None``."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in TRUE_STRINGS else False if text in FALSE_STRINGS else None


def same_parameter(wanted: Any, shown: Any) -> bool:
    """Whether a requested parameter value is the value heat shows (heat shows every parameter
    as a string: ``str()`` of a number, ``True``/``False``, a comma-joined list, JSON for a map;
    ``******`` for a hidden one, which cannot be compared and so counts as the same)."""
    if shown is None or shown == HIDDEN_VALUE:
        return shown == HIDDEN_VALUE or wanted is None
    if isinstance(wanted, bool) or (isinstance(wanted, str) and shown in ("True", "False")):
        # a boolean parameter (heat shows True/False), given as a boolean or as a string
        same = as_bool(wanted) is not None and as_bool(wanted) == as_bool(shown)
    elif isinstance(wanted, (int, float)):
        same = as_number(shown) == float(wanted)
    elif isinstance(wanted, (dict, list)):
        try:
            same = json.loads(shown) == wanted  # a json parameter
        except ValueError:
            same = False
        same = same or (isinstance(wanted, list) and shown == ",".join(str(v) for v in wanted))
    else:
        text = str(wanted)
        same = text == shown or (as_number(text) is not None and as_number(text) == as_number(shown))
    return same


def outputs_dict(outputs: Any) -> dict[str, Any]:
    """A stack's outputs (heat's list of {output_key, output_value}) as key -> value."""
    if isinstance(outputs, dict):
        return outputs
    return {o.get("output_key"): o.get("output_value") for o in outputs or [] if isinstance(o, dict)}


def subset(current: dict | None, wanted: dict) -> dict[str, dict]:
    """The values of ``current`` (an environment) under the sections and keys of ``wanted``."""
    current = current or {}
    out = {}
    for section, keys in wanted.items():
        have = current.get(section)
        if isinstance(keys, dict):
            have = have if isinstance(have, dict) else {}
            out[section] = {k: plain(have.get(k)) for k in keys}
        else:
            out[section] = plain(have)
    return out


def readable(environment: dict | None, parameters: dict | None = None) -> dict:
    """The sections of an environment that can be read back from heat, as heat keeps them: the
    request's ``parameters`` win over the environment's (heat merges them into it)."""
    out = {k: v for k, v in (environment or {}).items() if k in READABLE_SECTIONS}
    if isinstance(out.get("parameters"), dict) and parameters:
        out["parameters"] = {k: parameters.get(k, v) for k, v in out["parameters"].items()}
    return out


def deep_merge(base: dict, over: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def is_template_text(value: str) -> bool:
    return "\n" in value or value.lstrip().startswith("{")


class StackModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        template=dict(type="raw"),
        parameters=dict(type="dict"),
        environment=dict(type="dict"),
        environment_files=dict(type="list", elements="path"),
        tags=dict(type="list", elements="str"),
        stack_timeout=dict(type="int"),
        rollback=dict(type="bool"),
    )
    module_kwargs: ClassVar[dict] = dict(required_if=[("state", "present", ("template",))])
    spec = ResourceSpec(
        service="orchestration",
        kind="stack",
        attributes={
            "name": "name",
            "template": "template",
            "files": "files",
            "parameters": "parameters",
            "environment": "environment",
            "tags": "tags",
            "stack_timeout": "timeout_mins",
            "rollback": "is_rollback_disabled",
            "status": "status",
        },
        updatable=(
            "template",
            "files",
            "parameters",
            "environment",
            "tags",
            "stack_timeout",
            "rollback",
            "status",
        ),
        unordered=("tags",),
    )
    #: Seconds between two polls of a stack in progress.
    poll_interval: ClassVar[float] = 3
    changed_attributes: list[str]

    # --- reading what is asked --------------------------------------------------------------
    def load_template(self, value: Any) -> tuple[dict, dict]:
        """(template, files) from the template option."""
        files: dict = {}
        if isinstance(value, dict):
            template = plain(value)
        elif isinstance(value, str) and is_template_text(value):
            try:
                template = template_format.parse(value)
            except ValueError as exc:
                raise StackwrightError(f"template: not a heat template: {exc}") from None
        elif isinstance(value, str):
            value = os.path.expanduser(value)
            if not os.path.isfile(value):
                raise StackwrightError(
                    f"template: no file {value!r} (a template given as a string holds a line break "
                    "or starts with '{')"
                )
            files, template = template_utils.get_template_contents(template_file=value)
            files = files or {}
        else:
            raise StackwrightError("template: give a dict, the template's text or a file path")
        if not isinstance(template, dict) or "heat_template_version" not in template:
            raise StackwrightError("template: only HOT templates (with heat_template_version) are supported")
        return plain(template), files

    def load_environment(self) -> tuple[dict | None, dict]:
        """(environment, files) from environment_files and environment."""
        p = self.params
        files: dict = {}
        environment: dict = {}
        paths = p["environment_files"] or []
        for path in paths:
            if not os.path.isfile(path):
                raise StackwrightError(f"environment_files: no file {path!r}")
        if paths:
            files, environment = template_utils.process_multiple_environments_and_files(env_paths=paths)
        if p["environment"]:
            unknown = sorted(set(p["environment"]) - set(ENVIRONMENT_SECTIONS))
            if unknown:
                raise StackwrightError(
                    f"environment: unknown sections {unknown}; known: {', '.join(ENVIRONMENT_SECTIONS)}"
                )
            environment = deep_merge(environment, p["environment"])
        return (plain(environment) or None), files

    # --- hooks ------------------------------------------------------------------------------
    def desired(self):
        p = self.params
        wanted = {k: None for k in self.spec.attributes}
        wanted["name"] = p["name"]
        self.wanted = wanted
        self.changed_attributes = []
        if self.absent:
            return wanted
        template, files = self.load_template(p["template"])
        environment, env_files = self.load_environment()
        wanted.update(
            template=template,
            files={**files, **env_files} or None,
            parameters=plain(p["parameters"]),
            environment=environment,
            tags=p["tags"],
            stack_timeout=p["stack_timeout"],
            rollback=p["rollback"],
        )
        return wanted

    def find(self, desired):
        stack = super().find(desired)
        if (
            stack is not None
            and not self.absent
            and (stack.status or "").endswith("IN_PROGRESS")
            and self.wait
        ):
            stack = self.wait_for_stack(stack, None)  # another run's create/update: let it end first
        return stack

    def view(self, resource):
        p = self.params
        current = {
            "name": resource.name,
            "template": hot_sections(self.proxy.get_stack_template(resource)),
            "files": None,
            "parameters": None,
            "environment": None,
            "tags": resource.tags,
            "stack_timeout": resource.timeout_mins,
            "rollback": None if resource.is_rollback_disabled is None else not resource.is_rollback_disabled,
            "status": resource.status,
        }
        if p["parameters"]:
            shown = resource.parameters or {}
            current["parameters"] = {k: shown.get(k) for k in p["parameters"]}
        wanted_files = self.wanted["files"]
        if wanted_files:
            stack_files = self.proxy.get_stack_files(resource) or {}
            current["files"] = {k: stack_files.get(k) for k in wanted_files}
        wanted_environment = readable(self.wanted["environment"], self.wanted["parameters"])
        if wanted_environment:
            environment = to_dict(self.proxy.get_stack_environment(resource))
            current["environment"] = subset(environment, wanted_environment)
        return current

    def changes(self, resource, current, desired):
        changes: dict[str, Any] = {}
        if desired["template"] is not None and hot_sections(desired["template"]) != current["template"]:
            changes["template"] = desired["template"]
        if desired["files"] and plain(desired["files"]) != current["files"]:
            changes["files"] = desired["files"]
        wanted = desired["parameters"] or {}
        shown = current["parameters"] or {}
        differing = [k for k in wanted if not same_parameter(wanted[k], shown.get(k))]
        if differing:  # the unchanged ones as heat shows them, so that the diff names only these
            changes["parameters"] = {k: wanted[k] if k in differing else shown.get(k) for k in wanted}
        compared = readable(desired["environment"], desired["parameters"])
        if compared and compared != current["environment"]:
            changes["environment"] = desired["environment"]
        if desired["tags"] is not None and normalize(desired["tags"], True) != normalize(
            current["tags"] or [], True
        ):
            changes["tags"] = desired["tags"]
        for key in ("stack_timeout", "rollback"):
            if desired[key] is not None and desired[key] != current[key]:
                changes[key] = desired[key]
        status = current["status"] or ""
        failed = status.endswith("_FAILED") or status == "ROLLBACK_COMPLETE"
        self.changed_attributes = [*changes, *(["status"] if failed else [])]
        if changes or failed:  # a failed stack runs again, even with the same definition
            changes["status"] = "UPDATE_COMPLETE"
        return changes

    def to_sdk(self, values):
        sdk = {}
        for key, value in values.items():
            if key == "rollback":
                sdk["is_rollback_disabled"] = not value
            else:
                sdk[self.spec.attributes[key]] = value
        return sdk

    def body(self, stack=None) -> dict[str, Any]:
        """The whole stack definition, as create and update send it (heat replaces the stack's)."""
        w = self.wanted
        body: dict[str, Any] = {
            "template": w["template"],
            "files": w["files"] or {},
            "parameters": w["parameters"] or {},
            "environment": w["environment"] or {},
        }
        tags = w["tags"] if w["tags"] is not None else getattr(stack, "tags", None)
        if tags:
            body["tags"] = ",".join(tags)  # heat reads tags as one comma-separated string
        timeout = (
            w["stack_timeout"] if w["stack_timeout"] is not None else getattr(stack, "timeout_mins", None)
        )
        if timeout is not None:
            body["timeout_mins"] = timeout
        if w["rollback"] is not None:
            body["is_rollback_disabled"] = not w["rollback"]
        elif stack is not None and stack.is_rollback_disabled is not None:
            body["is_rollback_disabled"] = stack.is_rollback_disabled
        return body

    def create(self, attrs):
        return self.proxy.create_stack(name=self.wanted["name"], **self.body())

    def wait_for_create(self, resource):
        return self.wait_for_stack(resource, "CREATE")

    def update(self, resource, attrs):
        before = (resource.status, resource.updated_at)
        self.proxy.update_stack(resource, **self.body(resource))
        if self.wait:
            return self.wait_for_stack(resource, "UPDATE", before)
        return self.proxy.get_stack(resource.id)

    def delete(self, resource):
        self.deleting = (resource.status, resource.updated_at)
        self.proxy.delete_stack(resource, ignore_missing=True)

    def wait_for_delete(self, resource):
        self.wait_for_stack(resource, "DELETE", self.deleting)

    def result(self, resource):
        data = to_dict(resource)
        if data is not None:
            data["outputs"] = outputs_dict(data.get("outputs"))
            for key in ("template", "files", "environment"):  # large, and not what show returns
                data.pop(key, None)
        return data

    def run(self):
        out = super().run()
        stack = out.get("stack") or {}
        for key in ("template", "files", "environment"):  # a would-be stack in check mode
            stack.pop(key, None)
        out["outputs"] = outputs_dict(stack.get("outputs"))
        out["changed_attributes"] = list(getattr(self, "changed_attributes", []))
        return out

    # --- waiting ----------------------------------------------------------------------------
    def wait_for_stack(self, stack, action: str | None, before: tuple | None = None):
        """Poll the stack until ``action`` (CREATE, UPDATE, DELETE) ends; the stack (``None`` once
        deleted). ``action=None`` waits for whatever is in progress to end, whatever the outcome.
        ``before`` is (status, updated_at) before the request: until heat has started on it (a
        status in progress, or another updated_at), an unchanged stack is not its outcome."""
        name = f"stack {stack.name or self.params['name']!r} ({stack.id})"
        deadline = time.monotonic() + self.timeout
        started = False
        while True:
            try:
                stack = self.proxy.get_stack(stack.id)
            except sdk_exceptions.NotFoundException:
                if action == "DELETE":
                    return None
                raise StackwrightError(f"{name} disappeared while its {action or 'action'} went on") from None
            status = stack.status or ""
            if status.endswith("IN_PROGRESS"):
                started = True
            elif started or before is None or (stack.status, stack.updated_at) != before:
                if action is None or status == f"{action}_COMPLETE":
                    return stack
                if status.endswith("_FAILED") or status.startswith("ROLLBACK_"):
                    reason = stack.status_reason or "heat gave no reason"
                    raise StackwrightError(f"{name}: {(action or '').lower()} failed: {status}: {reason}")
            if time.monotonic() >= deadline:
                raise StackwrightError(
                    f"{name} still {status} after {self.timeout} s of waiting for its {action or 'action'} "
                    "to end; raise timeout"
                )
            time.sleep(self.poll_interval)


def main():
    StackModule()()


if __name__ == "__main__":
    main()
