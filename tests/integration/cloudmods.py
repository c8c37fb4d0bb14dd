"""What the module suites (test_modules_*) share: the AIO cloud as a fixture, its services
checked, a runner for the modules, and the lifecycle steps every resource module goes through.

Modules use cloud `aio` from the inventory's clouds.yaml (OS_CLIENT_CONFIG_FILE). They run in one
of two ways (``play(..., via=...)``):

- ``"module"`` (the default): the module's ``main()`` in this process, its arguments passed as
  Ansible passes them (with the check-mode and diff flags), its JSON result read from stdout as
  Ansible reads it. The module's whole code against the real cloud, without the ~3 s (~8 s on a
  loaded machine) of an ansible-playbook start per call, which the suites make hundreds of.
- ``"playbook"``: a localhost play through ansible-playbook with --diff (and --check), the
  deploy host's venv as the module's Python, as an operator runs it. Each suite runs its first
  lifecycle this way; STACKWRIGHT_MODULE_RUNNER=playbook runs every call this way.

The cloud is reached only at loopback or lab addresses (172.29.0.0/16, written as addresses: no
name is resolved), checked before the first request; a service the catalog lacks skips the test,
saying which.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import ipaddress
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from stackwright import paths

from .conftest import AIO_CLOUDS, REPO, cloud_connection

#: Where the tests may send traffic: loopback and the lab's 172.29.0.0/16.
LAB = [ipaddress.ip_network(n) for n in ("127.0.0.0/8", "::1/128", "172.29.0.0/16")]
#: catalog type -> the service that provides it (for the skip message)
SERVICE_NAMES = {
    "identity": "keystone",
    "image": "glance",
    "compute": "nova",
    "network": "neutron",
    "volumev3": "cinder",
    "block-storage": "cinder",
    "orchestration": "heat",
}
WAIT = 900  # seconds a module may wait for nova, cinder or heat (TCG lab, one node)


def lab_url(url: str) -> bool:
    """Whether ``url`` names a loopback or lab address."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in net for net in LAB)


def connect() -> object:
    """An admin connection to the AIO cloud; skips, saying why, without one at a lab address."""
    if not AIO_CLOUDS.exists():
        pytest.skip(f"no clouds.yaml at {AIO_CLOUDS}: the deployment has no keystone yet")
    config = yaml.safe_load(AIO_CLOUDS.read_text()) or {}
    auth_url = ((config.get("clouds") or {}).get("aio") or {}).get("auth", {}).get("auth_url", "")
    if not lab_url(auth_url):
        pytest.skip(f"cloud 'aio' authenticates at {auth_url!r}, not a loopback or 172.29.x.x address")
    return cloud_connection()


def needs(conn, *services: str) -> None:
    """Skip the test unless every service is in the catalog, at a lab address."""
    for service in services:
        if not conn.has_service(service):
            pytest.skip(
                f"the AIO cloud has no {service!r} service in its catalog: "
                f"{SERVICE_NAMES.get(service, service)} is not deployed yet"
            )
        endpoint = conn.endpoint_for(service, interface="public")
        if not lab_url(endpoint):
            pytest.skip(f"the {service} endpoint {endpoint!r} is not a loopback or 172.29.x.x address")


def new_prefix() -> str:
    """The name prefix of one suite's resources: sw-it-<random>."""
    return f"sw-it-{uuid.uuid4().hex[:6]}"


def mine(resources, prefix: str) -> list:
    return [r for r in resources if (getattr(r, "name", None) or "").startswith(prefix)]


RUNNER = os.environ.get("STACKWRIGHT_MODULE_RUNNER", "module")


def play(
    tmp_path: Path,
    module: str,
    args: dict,
    *,
    check: bool = False,
    diff: bool = True,
    fails: bool = False,
    via: str | None = None,
) -> dict:
    """Run one stackwright.cloud module (see the module docstring for ``via``); its result,
    which must be a failure with ``fails``."""
    run = run_playbook if (via or RUNNER) == "playbook" else run_module
    out = run(tmp_path, module, {"cloud": "aio", **args}, check=check, diff=diff)
    assert bool(out.get("failed")) is fails, out.get("msg") or out
    return out


def run_module(_tmp_path: Path, module: str, args: dict, *, check: bool, diff: bool) -> dict:
    """The module's main() here, as Ansible would run it; its result."""
    code = importlib.import_module(f"ansible_collections.stackwright.cloud.plugins.modules.{module}")
    stdout = io.StringIO()
    environ = {"OS_CLIENT_CONFIG_FILE": str(AIO_CLOUDS)}
    with (
        patch_module_args({**args, "_ansible_check_mode": check, "_ansible_diff": diff}),
        contextlib.redirect_stdout(stdout),
        _environment(environ),
        contextlib.suppress(SystemExit),
    ):
        code.main()
    return json.loads(stdout.getvalue())


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_playbook(tmp_path: Path, module: str, args: dict, *, check: bool, diff: bool) -> dict:
    """The module in a localhost play through ansible-playbook; its registered result."""
    tag = uuid.uuid4().hex[:8]
    result = tmp_path / f"result-{tag}.json"
    playbook = tmp_path / f"{module}-{tag}.yml"
    task = {
        "name": "The module",
        f"stackwright.cloud.{module}": args,
        "register": "out",
        "ignore_errors": True,
    }
    dump = {
        "name": "Its result",
        "ansible.builtin.copy": {"content": "{{ out | to_json }}", "dest": str(result), "mode": "0600"},
        "check_mode": False,
        "diff": False,
    }
    play_ = {
        "name": f"stackwright.cloud.{module}",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable},
        "tasks": [task, dump],
    }
    playbook.write_text(yaml.safe_dump([play_]))
    command = [paths.tool("ansible-playbook"), "-i", "localhost,", str(playbook)]
    command += ["--check"] if check else []
    command += ["--diff"] if diff else []
    env = {**paths.ansible_env(), "OS_CLIENT_CONFIG_FILE": str(AIO_CLOUDS), "ANSIBLE_NOCOLOR": "1"}
    proc = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=WAIT + 300, check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(result.read_text())


def created_then_idempotent(tmp_path, module, args, find, key=None, *, via=None) -> dict:
    """Create in check mode (nothing appears), for real (same diff), and again (no change)."""
    key = key or module
    check = play(tmp_path, module, args, check=True, via=via)
    assert check["changed"] is True and find() is None, "check mode created something"
    assert check["diff"]["before"] == {}
    created = play(tmp_path, module, args, via=via)
    assert created["changed"] is True and created[key]["id"] and find() is not None
    assert created["diff"] == check["diff"]
    again = play(tmp_path, module, args, via=via)
    assert again["changed"] is False, again["diff"]
    assert again["diff"]["before"] == again["diff"]["after"]
    return created


def updated(tmp_path, module, args, find, *, via=None) -> dict:
    """Change in check mode (nothing changes), for real (same diff), and again (no change)."""
    before = find().to_dict(computed=False)
    check = play(tmp_path, module, args, check=True, via=via)
    assert check["changed"] is True and check["diff"]["before"] != check["diff"]["after"]
    assert find().to_dict(computed=False) == before, "check mode changed it"
    done = play(tmp_path, module, args, via=via)
    assert done["changed"] is True and done["diff"] == check["diff"]
    assert play(tmp_path, module, args, via=via)["changed"] is False
    return done


def deleted(tmp_path, module, args, find, *, via=None) -> None:
    """Delete in check mode (still there), for real (gone), and again (no change)."""
    absent = {**args, "state": "absent"}
    check = play(tmp_path, module, absent, check=True, via=via)
    assert check["changed"] is True and find() is not None, "check mode deleted it"
    assert check["diff"]["after"] == {}
    gone = play(tmp_path, module, absent, via=via)
    assert gone["changed"] is True and find() is None
    assert play(tmp_path, module, absent, via=via)["changed"] is False


def lifecycle(
    tmp_path: Path,
    module: str,
    args: dict,
    find: Callable[[], object],
    *,
    update: dict | None = None,
    key: str | None = None,
    via: str | None = None,
) -> dict:
    """All of it: created (check mode first), re-run, updated (check mode first), deleted (check
    mode first, then again); the created resource's result."""
    created = created_then_idempotent(tmp_path, module, args, find, key, via=via)
    if update:
        updated(tmp_path, module, {**args, **update}, find, via=via)
    deleted(tmp_path, module, args, find, via=via)
    return created
