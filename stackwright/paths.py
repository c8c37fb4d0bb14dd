"""Where the project's files and the deploy host's state live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The CLI runs from the repository (an editable install): playbooks, roles and images sit next to it.
REPO = Path(__file__).resolve().parent.parent
PLAYBOOKS = REPO / "playbooks"
IMAGES = REPO / "images"
ANSIBLE_CFG = REPO / "ansible.cfg"


def state_dir() -> Path:
    """Root of everything stackwright keeps on the deploy host (lab keys, run artifacts)."""
    env = os.environ.get("STACKWRIGHT_STATE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "stackwright"


def wheel_cache() -> Path:
    """The wheels every lab's wheel host keeps across lab re-creation (mounted into lab nodes)."""
    return state_dir() / "cache" / "wheels"


def lab_dir(lab: str) -> Path:
    return state_dir() / "labs" / lab


def tool(name: str) -> str:
    """A console script of this virtualenv (ansible-playbook, ansible-inventory, ...)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def tools_on_path() -> None:
    """Put this virtualenv's commands first on PATH, activated or not (ansible-runner looks there)."""
    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"


def ansible_env() -> dict[str, str]:
    """Environment for Ansible commands: the project's ansible.cfg whatever the working directory."""
    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = str(ANSIBLE_CFG)
    return env
