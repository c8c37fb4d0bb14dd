"""Every molecule scenario (create, converge, idempotence, verify, destroy) on lab nodes."""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest

from .conftest import BIN, REPO, figure, record

SCENARIOS = sorted(p.parent.name for p in (REPO / "molecule").glob("*/molecule.yml"))


@pytest.mark.lab
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario):
    start = time.monotonic()
    proc = subprocess.run(
        [str(BIN / "molecule"), "test", "-s", scenario],
        cwd=REPO,
        # Plain ansible-playbook, as an operator without the CLI runs the roles: Ansible's own
        # strategy (the CLI's mitogen strategy is what the AIO tests run).
        env={
            k: v for k, v in os.environ.items() if k not in ("ANSIBLE_STRATEGY", "ANSIBLE_STRATEGY_PLUGINS")
        },
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    figure(f"molecule {scenario}", time.monotonic() - start)
    # Figures the scenario's own tests measured (printed as "FIGURE <label>: <value>").
    for match in re.finditer(r"FIGURE (.+?): (.+?)\s*$", proc.stdout + proc.stderr, re.MULTILINE):
        record(f"{scenario}: {match.group(1)}", match.group(2))
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-8000:]
    assert "idempotence" in proc.stdout + proc.stderr
