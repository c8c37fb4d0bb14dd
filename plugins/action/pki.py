"""Action plugin: the deployment CA and a server certificate per host and for the VIPs."""

from __future__ import annotations

from pathlib import Path

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from stackwright import pki
from stackwright.validator import InventoryView


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("dir", "domain"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        directory = Path(args.get("dir") or Path(task_vars["inventory_dir"]) / "pki")
        view = InventoryView.from_ansible_vars(task_vars["groups"], task_vars["hostvars"])
        specs = pki.plan(view, args.get("domain") or "")
        store = pki.PKI(directory)
        try:
            if self._task.check_mode:
                has_ca = store.ca_cert_path.exists()
                issued = {"ca": "created"} if not has_ca else {}
                issued |= {s.name: "missing" for s in specs} if not has_ca else {}
                if has_ca:
                    issued |= {s.name: why for s in specs if (why := store.needs_issue(s))}
            else:
                issued = store.ensure(specs)
        except (OSError, ValueError, RuntimeError) as exc:
            raise AnsibleActionFail(f"PKI in {directory}: {exc}") from exc
        result.update(changed=bool(issued), issued=issued, dir=str(directory))
        return result
