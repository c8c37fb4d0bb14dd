#!/usr/bin/python
"""Module: heat stacks, a stack's resources and outputs."""

from __future__ import annotations

DOCUMENTATION = r"""
module: stack_info
author: stackwright developers
short_description: List heat stacks, or show one stack with its outputs and resources
description:
  - Without I(name), lists the stacks, filtered by the API's query parameters (without outputs,
    as heat lists them).
  - With I(name), shows that stack with its outputs (as a dict) and, with I(resources), the
    resources heat made for it. A stack that does not exist gives empty results.
options:
  name:
    description: The stack (name or id) to show.
    type: str
  filters:
    description:
      - Query parameters of the list (without I(name)), by the SDK's names; for instance
        C(status), C(action), C(tags), C(any_tags), C(not_tags), C(project_id).
      - An unknown parameter fails, naming the ones accepted.
    type: dict
    default: {}
  resources:
    description: Also list the resources of the stack named by I(name).
    type: bool
    default: false
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.info
"""

EXAMPLES = r"""
- name: The stacks in a failed state
  stackwright.cloud.stack_info:
    cloud: demo
    filters:
      status: FAILED

- name: The web stack, its outputs and resources
  stackwright.cloud.stack_info:
    cloud: demo
    name: web
    resources: true
  register: web

- name: The load balancer's address
  ansible.builtin.debug:
    msg: "{{ web.outputs.lb_address }}"
"""

RETURN = r"""
stacks:
  description: The stacks listed, or the one named (its C(outputs) as a dict); C([]) when it does not exist.
  type: list
  elements: dict
  returned: always
  sample: [{"id": "1e3f...", "name": "web", "status": "CREATE_COMPLETE",
            "outputs": {"lb_address": "172.24.4.20"}}]
outputs:
  description: With I(name), the stack's outputs, output key -> value (C({}) without the stack).
  type: dict
  returned: always
  sample: {"lb_address": "172.24.4.20"}
resources:
  description: With I(resources), the stack's resources (C([]) without the stack).
  type: list
  elements: dict
  returned: always
  sample: [{"name": "server", "resource_type": "OS::Nova::Server", "status": "CREATE_COMPLETE",
            "physical_resource_id": "9f2e..."}]
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.info import InfoModule, Listing
from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import StackwrightError, to_dict
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import find_one


def outputs_dict(outputs) -> dict:
    """Heat's list of {output_key, output_value} as key -> value."""
    return {o.get("output_key"): o.get("output_value") for o in outputs or [] if isinstance(o, dict)}


class StackInfoModule(InfoModule):
    LISTINGS: ClassVar[dict] = {"stacks": Listing("orchestration", "stacks")}
    argument_spec: ClassVar[dict] = dict(InfoModule.argument_spec, resources=dict(type="bool", default=False))
    module_kwargs: ClassVar[dict] = dict(required_if=[("resources", True, ("name",))])

    def run(self):
        p = self.params
        proxy = self.conn.orchestration
        result = {"changed": False, "stacks": [], "outputs": {}, "resources": []}
        if p["name"] is None:
            result["stacks"] = [to_dict(s) for s in self.listed("stacks")]
            return result
        if p["filters"]:
            raise StackwrightError("filters select stacks to list: give either name or filters")
        stack = find_one(proxy, "stack", p["name"])
        if stack is None:
            return result
        data = to_dict(stack)
        data["outputs"] = outputs_dict(stack.outputs)
        result.update(stacks=[data], outputs=data["outputs"])
        if p["resources"]:
            result["resources"] = [to_dict(r) for r in proxy.resources(stack)]
        return result


def main():
    StackInfoModule()()


if __name__ == "__main__":
    main()
