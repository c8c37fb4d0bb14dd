"""Action plugin: validate a tenant description and plan its steps, before any API call."""

from __future__ import annotations

from pathlib import Path

from ansible.plugins.action import ActionBase

from stackwright import tenants

ARGS = {
    "description": {"type": "raw", "required": True},
    "base_dir": {"type": "path"},
    "operator_user": {"type": "str", "default": "admin"},
    "operator_user_domain": {"type": "str", "default": tenants.DEFAULT_DOMAIN},
    "operator_role": {"type": "str", "default": "member"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec=ARGS)
        options = tenants.Options(
            base_dir=Path(args["base_dir"] or Path.cwd()),
            operator_user=args["operator_user"],
            operator_user_domain=args["operator_user_domain"],
            operator_role=args["operator_role"],
        )
        # The description holds secrets (passwords): nothing of it is returned but the plan,
        # which names them instead of carrying them, and problems, which never quote a value
        # of a secret key.
        checked = tenants.check(args["description"], options)
        result["changed"] = False
        result["problems"] = [str(p) for p in checked.problems]
        if checked.problems:
            result["failed"] = True
            result["msg"] = (
                f"the tenant description is not valid ({len(checked.problems)} problem(s)); "
                "nothing was changed:\n" + "\n".join(f"  - {p}" for p in checked.problems)
            )
            return result
        present = sum(1 for s in checked.steps if s.state == tenants.PRESENT)
        result.update(
            cloud=checked.cloud,
            phases=checked.phases(),
            scoped_absent_projects=checked.scoped_absent_projects(),
            msg=(
                f"tenant description valid: {len(checked.steps)} step(s), {present} to create or "
                f"update, {len(checked.steps) - present} to remove"
            ),
        )
        return result
