"""Read an inventory the way Ansible does, without templating it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from stackwright import paths


class InventoryError(Exception):
    pass


def load(inventory: str | Path) -> dict:
    """`ansible-inventory --list` of INVENTORY: groups, and merged variables per host."""
    path = Path(inventory)
    if not path.exists():
        raise InventoryError(f"inventory {inventory} does not exist")
    proc = subprocess.run(
        [paths.tool("ansible-inventory"), "-i", str(path), "--list"],
        capture_output=True,
        text=True,
        env=paths.ansible_env(),
        check=False,
    )
    if proc.returncode != 0:
        raise InventoryError(f"ansible-inventory could not read {inventory}:\n{proc.stderr.strip()}")
    # ansible-inventory only warns when an inventory source fails to parse; treat that as fatal.
    for line in proc.stderr.splitlines():
        if "Unable to parse" in line or "Failed to parse" in line:
            raise InventoryError(f"ansible-inventory could not read {inventory}: {line.strip()}")
    return json.loads(proc.stdout)
