from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stackwright import lab

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def command(argv: list[str], timeout: int) -> subprocess.CompletedProcess:
    """A command of the project's, run from the repository as an operator runs it."""
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)


def stackwright(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """The CLI exactly as an operator runs it."""
    return command([str(BIN / "stackwright"), *args], timeout)


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
    for container in lab_containers("aio"):
        memory = lab.container_memory(lab.inspect(container["Id"])) if "Id" in container else None
        if memory:
            used, peak = memory["used"] / 2**30, memory["peak"] / 2**30
            name = container["Names"][0]
            record(f"aio lab memory ({name})", f"{used:.1f} GiB used at the end, peak {peak:.1f} GiB")
    if not existed:
        stackwright("lab", "down", "-i", "inventories/aio")


AIO_CLOUDS = REPO / "inventories" / "aio" / "clouds.yaml"
DEPLOY: dict = {}


def main_job(timeout: int = 2400) -> subprocess.CompletedProcess:
    """The README's main command (scripts/aio: prepare the host, lab up, deploy), as a newcomer runs it."""
    return command([str(REPO / "scripts" / "aio")], timeout)


@pytest.fixture(scope="session")
def aio_cloud(aio_lab):
    """The AIO cloud deployed by the main job's command (once per session); its clouds.yaml path.

    Tests of the cloud's API use it through OS_CLIENT_CONFIG_FILE and the cloud name `aio`.
    """
    if "proc" not in DEPLOY:
        start = time.monotonic()
        DEPLOY["proc"] = main_job()
        DEPLOY["seconds"] = time.monotonic() - start
        figure("aio main job (scripts/aio), first run", DEPLOY["seconds"])
    proc = DEPLOY["proc"]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return AIO_CLOUDS


def cloud_connection():
    """An openstacksdk connection to the AIO as its admin, from the deploy host's clouds.yaml."""
    from openstack import config, connection  # noqa: PLC0415 - only the cloud tests need it

    region = config.OpenStackConfig(config_files=[str(AIO_CLOUDS)]).get_one(cloud="aio")
    return connection.Connection(config=region)
