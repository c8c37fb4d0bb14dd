"""Action plugin: generate the deployment's missing secrets into the inventory's secrets file."""

from __future__ import annotations

from pathlib import Path

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from stackwright import secretstore


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("path", "names"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        path = Path(args.get("path") or secretstore.default_path(task_vars["inventory_dir"]))
        names = list(args.get("names") or secretstore.REGISTRY)
        vault = getattr(self._loader, "_vault", None)
        try:
            if self._task.check_mode:
                data, _ = secretstore.read(path, vault)
                generated = [n for n in names if data.get(n) in (None, "")]
            else:
                generated = secretstore.ensure(path, names, vault)
        except (secretstore.SecretsError, OSError) as exc:
            raise AnsibleActionFail(str(exc)) from exc
        # Names only: a value never leaves the secrets file through this result.
        result.update(changed=bool(generated), generated=generated, path=str(path))
        return result
