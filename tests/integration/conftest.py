from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def stackwright(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """The CLI exactly as an operator runs it."""
    return subprocess.run(
        [str(BIN / "stackwright"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def lab_containers(name: str) -> list[dict]:
    out = subprocess.run(
        ["podman", "ps", "-a", "--filter", f"label=io.stackwright.lab={name}", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out or "[]")


FIGURES: list[str] = []


def figure(label: str, value: float, unit: str = "s") -> None:
    """A measured figure, printed in the 'figures' section at the end of the run."""
    record(label, f"{value:.1f} {unit}")


def record(label: str, value: str) -> None:
    FIGURES.append(f"{label}: {value}")


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def aio_lab():
    """The AIO lab, shared by the tests that need it; left as found (up if it was up)."""
    existed = bool(lab_containers("aio"))
    start = time.monotonic()
    proc = stackwright("lab", "up", "-i", "inventories/aio")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figure("aio lab up", time.monotonic() - start)
    yield
    if not existed:
        stackwright("lab", "down", "-i", "inventories/aio")
