"""Action plugin: the inventory validator, run on the controller before any change."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from stackwright.validator import InventoryView, validate


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        view = InventoryView.from_ansible_vars(task_vars["groups"], task_vars["hostvars"])
        problems = validate(view)
        result["changed"] = False
        result["problems"] = [str(p) for p in problems]
        if problems:
            result["failed"] = True
            result["msg"] = (
                f"the inventory is not valid ({len(problems)} problem(s)); nothing was changed:\n"
                + "\n".join(f"  - {p}" for p in problems)
            )
        else:
            result["msg"] = f"inventory valid: {len(view.hosts)} hosts"
        return result
