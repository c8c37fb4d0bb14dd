"""Action plugin: write a config file that holds secrets, with a diff an operator may read.

It is ansible.builtin.copy with C(content), minus what no_log costs: the diff of a check-mode or
--diff run shows the lines that change, with every deployment secret masked (the secrets file's
values, options named like secrets, URL passwords), and the result never carries the content. So
the task needs no no_log, and `deploy --check` can say what a hand edit changed.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from stackwright import secretstore

# What copy would return and we do not: the content, the module's own arguments.
_DROPPED = ("invocation", "content", "src")


class ActionModule(ActionBase):
    TRANSFERS_FILES = True
    _VALID_ARGS = frozenset(("content", "dest", "owner", "group", "mode"))

    def _secret_values(self, task_vars: dict) -> list[str]:
        values = []
        for name in secretstore.REGISTRY:
            if name in task_vars:
                value = self._templar.template(task_vars[name])
                if isinstance(value, str):
                    values.append(value)
        return values

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        if not isinstance(self._task.args.get("content"), str) or not self._task.args.get("dest"):
            raise AnsibleActionFail("config_file needs content (a string) and dest")
        copy_task = self._task.copy()
        copy_task.args = dict(self._task.args)
        copy = self._shared_loader_obj.action_loader.get(
            "ansible.legacy.copy",
            task=copy_task,
            connection=self._connection,
            play_context=self._play_context,
            loader=self._loader,
            templar=self._templar,
            shared_loader_obj=self._shared_loader_obj,
        )
        try:
            copied = copy.run(task_vars=task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        secrets = self._secret_values(task_vars)
        for entry in copied.get("diff", []) if isinstance(copied.get("diff"), list) else []:
            for side in ("before", "after"):
                if isinstance(entry.get(side), str):
                    entry[side] = secretstore.mask(entry[side], secrets)
        for key in _DROPPED:
            copied.pop(key, None)
        if copied.get("failed"):
            # A module's message may quote what it was given: keep only ours.
            copied["msg"] = secretstore.mask(str(copied.get("msg", "")), secrets)
        result.update(copied)
        return result
