"""The `stackwright` command: chooses a playbook, validates input, shows progress."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import yaml

from stackwright import guest, image, inventory, lab, paths, profile, runner
from stackwright.validator import InventoryView, validate

DEFAULT_INVENTORY = paths.REPO / "inventories" / "aio"


def _err(msg: str) -> None:
    sys.stderr.write(f"stackwright: {msg}\n")


def _view(inv: Path) -> InventoryView:
    return InventoryView.from_inventory_json(inventory.load(inv))


def _validated(inv: Path) -> InventoryView | None:
    view = _view(inv)
    problems = validate(view)
    if problems:
        plural = "s" if len(problems) > 1 else ""
        _err(f"{inv} is not valid ({len(problems)} problem{plural}); nothing was changed:")
        for problem in problems:
            sys.stderr.write(f"  - {problem}\n")
        return None
    return view


def cmd_validate(args) -> int:
    view = _validated(args.inventory)
    if view is None:
        return 1
    print(f"{args.inventory}: {len(view.hosts)} hosts, valid")
    return 0


def cmd_image(args) -> int:
    if args.action == "guest":
        built = guest.ensure(force=args.force, log=print)
        done = f"built in {built.seconds:.0f} s" if built.built else "cached, nothing to build"
        print(f"{built.path}: {done}")
        return 0
    result = image.ensure(force=args.force, log=print)
    done = f"built in {result.seconds:.0f} s" if result.built else "cached, nothing to build"
    print(f"{result.tag}: {done}")
    return 0


def cmd_lab(args) -> int:
    if args.action == "down":
        name = lab.lab_name(_view(args.inventory))
        removed = lab.down(name)
        print(f"lab {name}: {'removed ' + str(len(removed)) + ' items' if removed else 'nothing to remove'}")
        return 0
    view = _validated(args.inventory)
    if view is None:
        return 1
    plan = lab.plan(view)
    if args.action == "status":
        rows = lab.status(plan)
        width = max(len(r["host"]) for r in rows)
        for r in rows:
            kind = "privileged" if r["privileged"] else "unprivileged"
            mem = r["memory"]
            used = f"{mem['used'] / 2**30:.1f}/{mem['peak'] / 2**30:.1f} GiB" if mem else "-"
            row = f"{r['host']:<{width}}  {r['state']:<8} {r['management']:<16} {kind:<12} {used:<15}"
            print(f"{row} {r['groups']}")
        address = rows[0]["management"]
        print("memory: used (its processes) / peak since it started (page cache included)")
        print(f"log in: ssh -i {plan.key} -o UserKnownHostsFile={plan.known_hosts} root@{address}")
        return 0 if all(r["state"] == "running" for r in rows) else 3
    start = time.monotonic()
    changes = lab.up(plan)
    verdict = f"{len(changes)} change(s)" if changes else "no changes"
    print(f"lab {plan.name}: {len(plan.nodes)} node(s) up, {verdict}, {time.monotonic() - start:.1f} s")
    return 0


def _extravars(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"stackwright: -e expects key=value, got '{pair}'")
        out[key] = value
    return out


def _playbook(name: str) -> Path:
    path = Path(name)
    if path.suffix in (".yml", ".yaml") and path.exists():
        return path
    candidate = paths.PLAYBOOKS / f"{name}.yml"
    if not candidate.exists():
        verbs = sorted(p.stem for p in paths.PLAYBOOKS.glob("*.yml"))
        raise SystemExit(f"stackwright: no playbook '{name}'; available: {', '.join(verbs)}")
    return candidate


def _run(playbook: Path, args) -> int:
    if _validated(args.inventory) is None:
        return 1
    result = runner.run_playbook(
        playbook, args.inventory, extravars=_extravars(args.extra_vars), limit=args.limit, check=args.check
    )
    runner.summary(result)
    return 0 if result.ok else 2


def where(inventory: Path) -> list[str]:
    """Where the deployed cloud answers and where the admin's client configuration went."""
    clouds = Path(inventory) / "clouds.yaml"
    if not clouds.exists():
        return []
    data = yaml.safe_load(clouds.read_text()) or {}
    name, cloud = next(iter((data.get("clouds") or {}).items()), (None, None))
    if not cloud:
        return []
    host = urlparse(cloud["auth"]["auth_url"]).hostname
    return [
        f"dashboard: https://{host}/ (user admin, password keystone_admin_password in "
        f"{Path(inventory) / 'group_vars/all/secrets.yml'})",
        f"identity:  {cloud['auth']['auth_url']}",
        f"clouds.yaml: {clouds} (cloud '{name}': "
        f"OS_CLIENT_CONFIG_FILE={clouds} openstack --os-cloud {name} ...)",
        f"openrc:    {Path(inventory) / 'openrc'}",
    ]


def cmd_deploy(args) -> int:
    status = _run(_playbook("deploy"), args)
    if status == 0:
        for line in where(args.inventory):
            print(line)
    return status


def cmd_run(args) -> int:
    return _run(_playbook(args.playbook), args)


def cmd_report(args) -> int:
    found = profile.find(args.run) if args.run else profile.latest()
    if found is None:
        _err(
            f"no profile of {'run ' + args.run if args.run else 'any run'} (runs keep theirs in "
            f"{paths.state_dir() / 'runs'})"
        )
        return 1
    print(f"profile: {found}")
    print(profile.report(profile.load(found), count=args.top))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stackwright", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def with_inventory(p):
        p.add_argument(
            "-i",
            "--inventory",
            type=Path,
            default=DEFAULT_INVENTORY,
            help="inventory (default: inventories/aio)",
        )
        return p

    def with_run_options(p):
        p.add_argument("-e", "--extra-vars", action="append", default=[], metavar="KEY=VALUE")
        p.add_argument("-l", "--limit", help="limit the run to these hosts or groups")
        p.add_argument("--check", action="store_true", help="dry run with diff: change nothing")
        return p

    p = with_inventory(sub.add_parser("lab", help="inventory hosts as podman system containers"))
    p.add_argument("action", choices=["up", "down", "status"])
    p.set_defaults(func=cmd_lab)

    p = sub.add_parser("image", help="the lab node image (build) and the tiny test guest disk (guest)")
    p.add_argument("action", choices=["build", "guest"])
    p.add_argument("--force", action="store_true", help="rebuild even if cached")
    p.set_defaults(func=cmd_image)

    with_inventory(sub.add_parser("validate", help="check an inventory; changes nothing")).set_defaults(
        func=cmd_validate
    )
    with_run_options(with_inventory(sub.add_parser("deploy", help="validate, then deploy"))).set_defaults(
        func=cmd_deploy
    )
    p = with_run_options(with_inventory(sub.add_parser("run", help="run another verb (playbooks/NAME.yml)")))
    p.add_argument("playbook")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "report", help="where a run's time went: slowest tasks and plays (default: latest run)"
    )
    p.add_argument("run", nargs="?", help="a run's directory or name (see ~/.local/state/stackwright/runs)")
    p.add_argument("--top", type=int, default=15, help="how many tasks and plays to list")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    paths.tools_on_path()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (inventory.InventoryError, lab.LabError, image.ImageError) as exc:
        _err(str(exc))
        return 1
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
