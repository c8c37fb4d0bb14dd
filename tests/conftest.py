from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Our Ansible plugins import as the collection stackwright.cloud, as Ansible loads them.
sys.path.insert(0, str(REPO / "collections"))


# The run's budget made visible: wall time per test file (setup, call and teardown; a shared
# fixture such as the deployed AIO counts in the file that first needs it).
PHASES: dict[str, float] = {}


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    PHASES[path] = PHASES.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    if PHASES:
        terminalreporter.section("phases")
        for path, seconds in PHASES.items():
            terminalreporter.write_line(f"{seconds:8.1f} s  {path}")
        terminalreporter.write_line(f"{sum(PHASES.values()):8.1f} s  all tests")
