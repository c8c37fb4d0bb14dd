"""Cross-host validation of an inventory, before anything touches a host.

The same rules run from `stackwright validate` (on `ansible-inventory --list` output) and from the
`stackwright.cloud.validate_inventory` action at the start of every playbook (on templated
hostvars). Each problem names the host, the variable and what to do about it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import netaddr

from stackwright import contract, release, secretstore


@dataclass(frozen=True)
class Problem:
    rule: str
    host: str | None
    variable: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = []
        if self.host:
            where.append(f"host '{self.host}'")
        if self.variable:
            where.append(f"variable '{self.variable}'")
        prefix = ", ".join(where) or "inventory"
        return f"{prefix}: {self.message}. Fix: {self.fix}"


@dataclass
class InventoryView:
    """Hosts, their group membership and their variables, whatever the source."""

    groups: dict[str, set[str]]
    hostvars: dict[str, Mapping]
    extra_groups: set[str] = field(default_factory=set)

    @property
    def hosts(self) -> list[str]:
        return sorted(self.hostvars)

    @classmethod
    def from_inventory_json(cls, data: Mapping) -> InventoryView:
        """From `ansible-inventory --list`: groups with hosts and children, vars under _meta."""
        direct: dict[str, set[str]] = {}
        children: dict[str, set[str]] = {}
        for name, body in data.items():
            if name == "_meta" or not isinstance(body, Mapping):
                continue
            direct[name] = set(body.get("hosts", []))
            children[name] = set(body.get("children", []))

        def members(group: str, seen: frozenset = frozenset()) -> set[str]:
            if group in seen:
                return set()
            out = set(direct.get(group, ()))
            for child in children.get(group, ()):
                out |= members(child, seen | {group})
            return out

        hostvars = dict(data.get("_meta", {}).get("hostvars", {}))
        groups = {g: members(g) for g in direct}
        for host in set().union(*groups.values()) if groups else set():
            hostvars.setdefault(host, {})
        return cls(groups=groups, hostvars=hostvars)

    @classmethod
    def from_ansible_vars(cls, groups: Mapping[str, Iterable[str]], hostvars: Mapping) -> InventoryView:
        """From a play's `groups` and `hostvars` magic variables."""
        hosts = set(groups.get("all", []))
        return cls(
            groups={g: set(h) for g, h in groups.items()},
            hostvars={h: hostvars[h] for h in hosts},
        )

    def shared(self, name: str, default=None):
        """A variable meant to be the same on every host (group_vars/all), from the first host."""
        for host in self.hosts:
            if name in self.hostvars[host]:
                return self.hostvars[host][name]
        return default


def _templated(value) -> bool:
    return isinstance(value, str) and "{{" in value


def _owner(name: str) -> str:
    return name if name.startswith("gateway of") else f"host '{name}'"


def _parse_ip(value) -> netaddr.IPAddress | None:
    if not isinstance(value, str) or "/" in value:
        return None
    try:
        return netaddr.IPAddress(value)
    except (netaddr.AddrFormatError, ValueError):
        return None


def _address(host: str | None, var: str, value) -> tuple[netaddr.IPAddress | None, list[Problem]]:
    """An address variable: (None, []) when unset or templated, a problem when malformed."""
    if value in (None, "") or _templated(value):
        return None, []
    ip = _parse_ip(value)
    if ip is None:
        fix = "write a plain address without prefix length, e.g. 172.29.236.11"
        return None, [Problem("malformed-address", host, var, f"'{value}' is not an IP address", fix)]
    return ip, []


def check_groups(view: InventoryView) -> list[Problem]:
    extra = view.extra_groups | set(view.shared("stackwright_extra_groups", []) or [])
    known = set(contract.GROUPS) | contract.BUILTIN_GROUPS | extra
    problems = []
    for group in sorted(view.groups):
        if group in known:
            continue
        close = difflib.get_close_matches(group, sorted(contract.GROUPS), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        problems.append(
            Problem(
                "unknown-group",
                None,
                None,
                f"group '{group}' is not one stackwright knows ({', '.join(sorted(contract.GROUPS))})",
                f"{hint}rename the group, or list it in stackwright_extra_groups if your own plays use it",
            )
        )
    return problems


def _check_network(name: str, spec) -> tuple[list[Problem], netaddr.IPNetwork | None]:
    """One entry of stackwright_networks: a known name, a CIDR, a gateway inside it."""
    if name not in contract.NETWORKS:
        return [
            Problem(
                "unknown-network",
                None,
                f"stackwright_networks.{name}",
                f"network '{name}' is not one stackwright knows ({', '.join(contract.NETWORKS)})",
                "rename it to one of the known networks or remove it",
            )
        ], None
    cidr = spec.get("cidr") if isinstance(spec, Mapping) else None
    if _templated(cidr):
        return [], None
    try:
        net = netaddr.IPNetwork(cidr, expand_partial=False)
        if "/" not in str(cidr) or net.network != net.ip:
            raise netaddr.AddrFormatError("host bits set")
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return [
            Problem(
                "malformed-cidr",
                None,
                f"stackwright_networks.{name}.cidr",
                f"'{cidr}' is not a network in CIDR form",
                "write the network address and prefix length, e.g. 172.29.236.0/24",
            )
        ], None
    gw_var = f"stackwright_networks.{name}.gateway"
    gw, bad = _address(None, gw_var, spec.get("gateway"))
    if gw is None:
        return bad, net
    outside = _check_in_network(None, gw_var, gw, name, {name: net})
    return ([outside] if outside else []), net


def check_networks(view: InventoryView) -> tuple[list[Problem], dict[str, netaddr.IPNetwork]]:
    """Validate stackwright_networks and return the parsed networks for the other rules."""
    problems: list[Problem] = []
    declared = view.shared("stackwright_networks")
    if not isinstance(declared, Mapping):
        problems.append(
            Problem(
                "networks-missing",
                None,
                "stackwright_networks",
                "no networks are declared",
                "set stackwright_networks in group_vars/all, e.g. {management: {cidr: 172.29.236.0/24}}",
            )
        )
        return problems, {}
    parsed: dict[str, netaddr.IPNetwork] = {}
    for name, spec in sorted(declared.items()):
        net_problems, net = _check_network(name, spec)
        problems += net_problems
        if net is not None:
            parsed[name] = net
    names = sorted(parsed)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if parsed[a].first <= parsed[b].last and parsed[b].first <= parsed[a].last:
                problems.append(
                    Problem(
                        "overlapping-networks",
                        None,
                        f"stackwright_networks.{b}.cidr",
                        f"{parsed[b]} overlaps network '{a}' ({parsed[a]})",
                        "give every network its own, non-overlapping CIDR",
                    )
                )
    if contract.REQUIRED_NETWORK not in declared:
        problems.append(
            Problem(
                "networks-missing",
                None,
                f"stackwright_networks.{contract.REQUIRED_NETWORK}",
                "the management network is not declared",
                "add stackwright_networks.management with the CIDR your hosts' management addresses are in",
            )
        )
    return problems, parsed


def _check_in_network(
    host: str | None, var: str, ip: netaddr.IPAddress, network: str, nets: Mapping
) -> Problem | None:
    net = nets.get(network)
    if net is None:
        return None
    if ip not in net:
        return Problem(
            "address-outside-network",
            host,
            var,
            f"{ip} is outside the {network} network {net}",
            f"use an address inside {net}, or correct stackwright_networks.{network}.cidr",
        )
    if net.size > 2 and ip in (net.network, net.broadcast):
        return Problem(
            "address-outside-network",
            host,
            var,
            f"{ip} is the {'network' if ip == net.network else 'broadcast'} address of {net}",
            f"use a host address inside {net}",
        )
    return None


def _missing_addresses(
    view: InventoryView, host: str, nets: Mapping[str, netaddr.IPNetwork]
) -> list[Problem]:
    """The management address every host needs, and the addresses its groups need."""
    problems = []
    hv = view.hostvars[host]
    mgmt_var = contract.address_var(contract.REQUIRED_NETWORK)
    if hv.get(mgmt_var) in (None, ""):
        where = f" {nets[contract.REQUIRED_NETWORK]}" if contract.REQUIRED_NETWORK in nets else ""
        problems.append(
            Problem(
                "missing-management-address",
                host,
                mgmt_var,
                "the host has no management address",
                f"set {mgmt_var} for '{host}' (in hosts.yml or host_vars/{host}.yml) to its address"
                f" on the management network{where}",
            )
        )
    for group, network in contract.GROUP_NETWORKS.items():
        var = contract.address_var(network)
        if host in view.groups.get(group, ()) and hv.get(var) in (None, ""):
            problems.append(
                Problem(
                    f"missing-{network}-address",
                    host,
                    var,
                    f"the host is in group '{group}' ({contract.GROUPS[group]}) but has no {network} address",
                    f"set {var} for '{host}' to its address on the {network} network",
                )
            )
    return problems


def check_addresses(view: InventoryView, nets: Mapping[str, netaddr.IPNetwork]) -> list[Problem]:
    problems: list[Problem] = []
    owners: dict[netaddr.IPAddress, list[tuple[str, str]]] = {}
    declared = view.shared("stackwright_networks") or {}
    # A network's gateway (on a lab, the deploy host's bridge) is taken as well.
    for network, spec in declared.items():
        gw = _parse_ip(spec.get("gateway")) if isinstance(spec, Mapping) else None
        if gw is not None and network in nets:
            owners[gw] = [(f"gateway of {network}", f"stackwright_networks.{network}.gateway")]
    for host in view.hosts:
        hv = view.hostvars[host]
        problems += _missing_addresses(view, host, nets)
        for network in contract.NETWORKS:
            var = contract.address_var(network)
            ip, bad = _address(host, var, hv.get(var))
            problems += bad
            if ip is None:
                continue
            if network not in declared:
                problems.append(
                    Problem(
                        "undeclared-network",
                        host,
                        var,
                        f"the host has an address on network '{network}', which is not declared",
                        f"declare stackwright_networks.{network} with its CIDR, or remove {var}",
                    )
                )
                continue
            outside = _check_in_network(host, var, ip, network, nets)
            if outside:
                problems.append(outside)
            owners.setdefault(ip, []).append((host, var))
    for ip, users in sorted(owners.items()):
        if len(users) > 1:
            first = users[0]
            for host, var in users[1:]:
                problems.append(
                    Problem(
                        "duplicate-address",
                        host,
                        var,
                        f"{ip} is already used by {_owner(first[0])} ({first[1]})",
                        "give every host interface its own address",
                    )
                )
    problems.extend(check_vips(view, nets, owners))
    return problems


def check_vips(view: InventoryView, nets: Mapping, owners: Mapping) -> list[Problem]:
    problems = []
    seen: dict[netaddr.IPAddress, str] = {}
    for var, network in contract.VIPS.items():
        ip, bad = _address(None, var, view.shared(var))
        problems += bad
        if ip is None:
            continue
        # Without an external network, the public VIP lives on the management network.
        home = network if network in nets else contract.REQUIRED_NETWORK
        outside = _check_in_network(None, var, ip, home, nets)
        if outside:
            problems.append(outside)
        if ip in owners:
            host, hvar = owners[ip][0]
            problems.append(
                Problem(
                    "vip-collides-with-host",
                    None,
                    var,
                    f"the VIP {ip} is already used by {_owner(host)} ({hvar})",
                    "pick a free address for the VIP that no host uses",
                )
            )
        if ip in seen:
            problems.append(
                Problem(
                    "duplicate-address",
                    None,
                    var,
                    f"{ip} is also {seen[ip]}",
                    "give each VIP its own address",
                )
            )
        seen[ip] = var
    return problems


def check_secrets(view: InventoryView) -> list[Problem]:
    """With generation switched off, the operator must supply every secret."""
    if view.shared("stackwright_generate_secrets", True) not in (False, "false", "no"):
        return []
    return [
        Problem(
            "missing-secret",
            None,
            name,
            f"the secret is not defined ({secretstore.REGISTRY[name]})",
            "add it (40 or more characters) to group_vars/all/secrets.yml, or set "
            "stackwright_generate_secrets: true to have missing secrets generated",
        )
        for name in secretstore.REGISTRY
        if view.shared(name) in (None, "")
    ]


# Groups whose members form a quorum-based cluster: an even count can split into two halves,
# and neither half may then serve (a cluster of 2 stops when one member is lost).
QUORUM_GROUPS = {"database": "Galera", "messaging": "RabbitMQ", "storage": "Ceph monitor"}


def check_cluster_sizes(view: InventoryView) -> list[Problem]:
    problems = []
    for group, cluster in QUORUM_GROUPS.items():
        size = len(view.groups.get(group, ()))
        if size > 1 and size % 2 == 0:
            problems.append(
                Problem(
                    "even-cluster",
                    None,
                    None,
                    f"group '{group}' has {size} hosts: a {cluster} cluster of {size} loses its quorum "
                    f"when half of it is cut off, and a cluster of 2 stops when either member fails",
                    f"put 1, 3 or 5 hosts in '{group}'",
                )
            )
    return problems


def check_release(view: InventoryView) -> list[Problem]:
    """The OpenStack release must exist and have a lock file for every service it names."""
    name = str(view.shared("openstack_release", release.DEFAULT_RELEASE))
    if _templated(name):
        return []
    try:
        rel = release.load(name)
    except release.ReleaseError as err:
        return [
            Problem(
                "unknown-release", None, "openstack_release", str(err), "pick a release of releases/*.yml"
            )
        ]
    return [
        Problem(
            "missing-lock",
            None,
            "openstack_release",
            f"release {name} has no lock file for {service} ({rel.lock_path(service)})",
            f"run scripts/lock-release {name}",
        )
        for service in rel.services
        if not rel.lock_path(service).exists()
    ]


def validate(view: InventoryView) -> list[Problem]:
    problems = check_groups(view)
    problems += check_release(view)
    problems += check_secrets(view)
    problems += check_cluster_sizes(view)
    net_problems, nets = check_networks(view)
    problems += net_problems
    problems += check_addresses(view, nets)
    return problems
