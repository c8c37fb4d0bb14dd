"""The declarative tenant model: validation of a tenant description and the plan that converges it.

A tenant description (docs/tenants.md) declares cloud-wide domains, roles, flavors, images and
networks, and projects with their users, quotas, networks, routers, security groups, keypairs,
images, servers, volumes and stacks. :func:`check` validates it without any API call (unknown
keys, required keys, types, duplicates, references between entries, states) and, when it is
valid, turns it into the ordered list of :class:`Step` s (one module call each) that
roles/tenants runs:

- present entries first, kind by kind in creation order (:data:`ORDER`), so that what an entry
  refers to exists before it;
- then absent entries, in the reverse order, so that dependents go before what they depend on
  (and an update that drops a reference, a router interface say, has run before the deletion).

Every problem names the path of the offending entry, e.g.
``projects[1].servers[0].networks[0]: network 'privat' is not defined (did you mean 'private'?)``.
Secrets (user passwords) never appear in a problem or in a step: steps name them by
:attr:`Step.secret`, and roles/tenants reads the value from the description itself.

The helpers at the end (:func:`deferred`, :func:`ready`, :func:`pending`, :func:`gone`) serve the
role's check mode: a step that needs something the same run creates is reported as a change
without calling its module, which could not find what does not exist yet.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PRESENT, ABSENT = "present", "absent"
DEFAULT_DOMAIN = "Default"
#: Domains that exist in every keystone: the default domain, by name and by id.
BUILTIN_DOMAINS = ("Default", "default")
#: Roles keystone-manage bootstrap creates.
BUILTIN_ROLES = ("admin", "manager", "member", "reader", "service")
#: The security group neutron gives every project.
DEFAULT_SECURITY_GROUP = "default"
UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")

#: Creation order of the module kinds; absent entries are removed in the reverse order.
ORDER = (
    "identity_domain",
    "role",
    "project",
    "user",
    "role_assignment",
    "quota",
    "flavor",
    "image",
    "network",
    "subnet",
    "router",
    "security_group",
    "security_group_rule",
    "keypair",
    "volume",
    "server",
    "floating_ip",
    "volume_attachment",
    "stack",
)

#: Titles of the plan's phases (plural, for "Create or update ..." / "Remove ...").
TITLES = {
    "identity_domain": "domains",
    "role": "roles",
    "project": "projects",
    "user": "users",
    "role_assignment": "role assignments",
    "quota": "quotas",
    "flavor": "flavors",
    "image": "images",
    "network": "networks",
    "subnet": "subnets",
    "router": "routers",
    "security_group": "security groups",
    "security_group_rule": "security group rules",
    "keypair": "keypairs",
    "volume": "volumes",
    "server": "servers",
    "floating_ip": "floating IPs",
    "volume_attachment": "volume attachments",
    "stack": "stacks",
}

DISK_FORMATS = ("qcow2", "raw", "vmdk", "vdi", "iso", "vhd", "vhdx", "ploop", "ami", "ari", "aki")
CONTAINER_FORMATS = ("bare", "ovf", "ova", "aki", "ari", "ami", "docker", "compressed")
IPV6_MODES = ("slaac", "dhcpv6-stateful", "dhcpv6-stateless")
NAMED_PROTOCOLS = ("tcp", "udp", "icmp", "ipv6-icmp", "icmpv6", "sctp", "vrrp", "any")
#: Protocol names neutron stores under another name (compared as stored).
PROTOCOL_ALIASES = {"icmpv6": "ipv6-icmp"}


# --- problems ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong with a description: where (``path``), what, and what to do."""

    rule: str
    path: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text}. Fix: {self.fix}" if self.fix else text


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", str: "a string", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


# --- schema -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Opt:
    """One key of an entry: its type, whether it is required (on a managed, present entry),
    its choices, the schema of nested entries, whether its value is a secret."""

    type: str
    required: bool = False
    choices: tuple = ()
    entries: str | None = None
    secret: bool = False
    minimum: int | None = None
    doc: str = ""


@dataclass(frozen=True)
class Schema:
    """The keys an entry of one kind may have; ``external`` lists those allowed on an entry
    marked ``external: true`` (which names something that exists and is not managed here)."""

    kind: str
    keys: Mapping[str, Opt]
    external: frozenset[str] = frozenset({"name", "external"})
    named: bool = True


_NAME = {"name": Opt("str", required=True), "state": Opt("state"), "external": Opt("bool")}

SUBNET = Schema(
    "subnet",
    {
        **_NAME,
        "cidr": Opt("cidr", required=True),
        "ip_version": Opt("int", choices=(4, 6)),
        "gateway_ip": Opt("ip"),
        "no_gateway": Opt("bool"),
        "enable_dhcp": Opt("bool"),
        "dns_nameservers": Opt("ips"),
        "allocation_pools": Opt("pools"),
        "host_routes": Opt("routes"),
        "ipv6_ra_mode": Opt("str", choices=IPV6_MODES),
        "ipv6_address_mode": Opt("str", choices=IPV6_MODES),
        "description": Opt("str"),
    },
)
NETWORK = Schema(
    "network",
    {
        **_NAME,
        "description": Opt("str"),
        "mtu": Opt("int", minimum=68),
        "shared": Opt("bool"),
        "admin_state_up": Opt("bool"),
        "port_security": Opt("bool"),
        "dns_domain": Opt("str"),
        "router_external": Opt("bool"),
        "provider_network_type": Opt("str"),
        "provider_physical_network": Opt("str"),
        "provider_segmentation_id": Opt("int", minimum=0),
        "subnets": Opt("entries", entries="subnet"),
    },
)
#: Network keys only an administrator may set: allowed on cloud-wide networks only.
CLOUD_NETWORK_KEYS = (
    "router_external",
    "provider_network_type",
    "provider_physical_network",
    "provider_segmentation_id",
)
RULE = Schema(
    "security_group_rule",
    {
        "direction": Opt("str", choices=("ingress", "egress")),
        "ethertype": Opt("str", choices=("IPv4", "IPv6")),
        "protocol": Opt("protocol"),
        "port": Opt("port"),
        "remote_ip_prefix": Opt("cidr"),
        "remote_group": Opt("ref"),
        "description": Opt("str"),
        "state": Opt("state"),
    },
    external=frozenset(),
    named=False,
)
SCHEMAS: dict[str, Schema] = {
    s.kind: s
    for s in (
        SUBNET,
        NETWORK,
        RULE,
        Schema("domain", {**_NAME, "description": Opt("str"), "enabled": Opt("bool")}),
        Schema("role", {**_NAME, "description": Opt("str")}),
        Schema(
            "flavor",
            {
                **_NAME,
                "vcpus": Opt("int", required=True, minimum=1),
                "ram": Opt("int", required=True, minimum=1),
                "disk": Opt("int", minimum=0),
                "ephemeral": Opt("int", minimum=0),
                "swap": Opt("int", minimum=0),
                "public": Opt("bool"),
                "description": Opt("str"),
                "extra_specs": Opt("map"),
            },
        ),
        Schema(
            "image",
            {
                **_NAME,
                "file": Opt("path", required=True),
                "disk_format": Opt("str", choices=DISK_FORMATS),
                "container_format": Opt("str", choices=CONTAINER_FORMATS),
                "visibility": Opt("str", choices=("public", "private", "shared", "community")),
                "min_disk": Opt("int", minimum=0),
                "min_ram": Opt("int", minimum=0),
                "properties": Opt("map"),
                "tags": Opt("strs"),
            },
        ),
        Schema(
            "project",
            {
                **_NAME,
                "domain": Opt("ref"),
                "description": Opt("str"),
                "enabled": Opt("bool"),
                "tags": Opt("strs"),
                "quotas": Opt("quotas"),
                "users": Opt("entries", entries="user"),
                "networks": Opt("entries", entries="network"),
                "routers": Opt("entries", entries="router"),
                "security_groups": Opt("entries", entries="security_group"),
                "keypairs": Opt("entries", entries="keypair"),
                "images": Opt("entries", entries="image"),
                "servers": Opt("entries", entries="server"),
                "volumes": Opt("entries", entries="volume"),
                "stacks": Opt("entries", entries="stack"),
            },
            # An existing project: its contents and quotas are managed, never the project itself.
            external=frozenset(
                {
                    "name",
                    "external",
                    "domain",
                    "quotas",
                    "users",
                    "networks",
                    "routers",
                    "security_groups",
                    "keypairs",
                    "images",
                    "servers",
                    "volumes",
                    "stacks",
                }
            ),
        ),
        Schema(
            "user",
            {
                **_NAME,
                "domain": Opt("ref"),
                "password": Opt("str", secret=True),
                "email": Opt("str"),
                "description": Opt("str"),
                "enabled": Opt("bool"),
                "roles": Opt("roles"),
            },
            # A user defined elsewhere (another project here, or outside): roles on this project.
            external=frozenset({"name", "external", "domain", "roles", "state"}),
        ),
        Schema(
            "router",
            {
                **_NAME,
                "description": Opt("str"),
                "external_network": Opt("ref"),
                "enable_snat": Opt("bool"),
                "interfaces": Opt("refs"),
            },
        ),
        Schema(
            "security_group",
            {**_NAME, "description": Opt("str"), "rules": Opt("entries", entries="security_group_rule")},
        ),
        Schema("keypair", {**_NAME, "public_key": Opt("str"), "public_key_file": Opt("path")}),
        Schema(
            "server",
            {
                **_NAME,
                "image": Opt("ref", required=True),
                "flavor": Opt("ref", required=True),
                "networks": Opt("nics"),
                "key": Opt("ref"),
                "security_groups": Opt("refs"),
                "floating_ip": Opt("floating_ip"),
                "user_data": Opt("str"),
                "metadata": Opt("map"),
                "availability_zone": Opt("str"),
                "config_drive": Opt("bool"),
            },
        ),
        Schema(
            "volume",
            {
                **_NAME,
                "size": Opt("int", required=True, minimum=1),
                "type": Opt("str"),
                "image": Opt("ref"),
                "description": Opt("str"),
                "availability_zone": Opt("str"),
                "attach_to": Opt("ref"),
                "device": Opt("str"),
            },
        ),
        Schema(
            "stack",
            {
                **_NAME,
                "template": Opt("path", required=True),
                "parameters": Opt("dict"),
                "environment": Opt("dict"),
                "environment_files": Opt("paths"),
                "tags": Opt("strs"),
                "timeout": Opt("int", minimum=1),
            },
        ),
    )
}
TOP = Schema(
    "description",
    {
        "cloud": Opt("str"),
        "domains": Opt("entries", entries="domain"),
        "roles": Opt("entries", entries="role"),
        "flavors": Opt("entries", entries="flavor"),
        "images": Opt("entries", entries="image"),
        "networks": Opt("entries", entries="network"),
        "projects": Opt("entries", entries="project"),
    },
    named=False,
)


def _quota_limits() -> dict[str, set[str]] | None:
    """The limit names of nova, neutron and cinder quotas, as the quota module knows them."""
    try:
        from openstack import fields  # noqa: PLC0415 - optional: the names are checked when present
        from openstack.block_storage.v3.quota_set import QuotaSet as VolumeQuota  # noqa: PLC0415
        from openstack.compute.v2.quota_set import QuotaSet as ComputeQuota  # noqa: PLC0415
        from openstack.network.v2.quota import Quota as NetworkQuota  # noqa: PLC0415
    except ImportError:  # pragma: no cover - openstacksdk is a dependency of the deploy host
        return None
    bookkeeping = {"id", "name", "location", "project_id", "tenant_id", "force", "check_limit"}
    bookkeeping |= {"usage", "reservation"}

    def names(cls) -> set[str]:
        return {
            n
            for klass in cls.__mro__
            for n, c in vars(klass).items()
            if n not in bookkeeping and isinstance(c, fields.Body)
        }

    return {"compute": names(ComputeQuota), "network": names(NetworkQuota), "volume": names(VolumeQuota)}


QUOTA_LIMITS = _quota_limits()


# --- the model --------------------------------------------------------------------------------
@dataclass(eq=False)
class Entry:
    """One entry of the description, as validated: its kind, path, data and effective state."""

    kind: str
    path: str
    data: Mapping[str, Any]
    state: str
    scope: str = ""  # "" for cloud-wide entries, "<domain>/<project>" for a project's
    project: Entry | None = None
    parent: Entry | None = None  # the network of a subnet, the security group of a rule
    index: int = 0  # position in its list (a project's, for a user)

    @property
    def name(self) -> str:
        return str(self.data.get("name", ""))

    @property
    def external(self) -> bool:
        return self.data.get("external") is True

    @property
    def managed(self) -> bool:
        return not self.external

    @property
    def key(self) -> str:
        """How steps that need this entry name it (see :attr:`Step.needs`)."""
        if self.kind in ("user", "project"):
            return f"{self.kind} {self.domain}/{self.name}"
        name = f"{self.parent.name}/{self.name}" if self.kind == "subnet" else self.name
        return f"{self.kind} {self.scope}/{name}" if self.scope else f"{self.kind} {name}"

    @property
    def domain(self) -> str:
        """The domain of a project or user (the project's, for a user without one)."""
        if self.kind == "user":
            return str(self.data.get("domain") or (self.project.domain if self.project else DEFAULT_DOMAIN))
        return str(self.data.get("domain") or DEFAULT_DOMAIN)

    def where(self) -> str:
        """How a message names the entry's scope."""
        return f" in project '{self.scope}'" if self.scope else ""


@dataclass
class Step:
    """One module call of the plan.

    ``params`` are the module's own parameters (the connection comes from module_defaults, and
    ``auth`` from the step for project-scoped resources). ``needs`` are the keys of managed
    entries the step refers to: in check mode, a step whose needs this run creates first is
    reported as a change without calling its module. ``secret`` names where a secret parameter
    comes from (``[project index, user index]`` of a user's password) so that it never travels
    in the step itself. ``project`` is the project key of a project-scoped step.
    """

    module: str
    state: str
    key: str
    label: str
    path: str
    params: dict[str, Any]
    needs: list[str] = field(default_factory=list)
    project: str | None = None
    secret: list[int] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "state": self.state,
            "key": self.key,
            "label": self.label,
            "path": self.path,
            "params": self.params,
            "needs": self.needs,
            "project": self.project,
            "secret": self.secret,
        }


@dataclass
class Options:
    """Settings of the plan that come from the role, not from the description."""

    base_dir: Path = field(default_factory=Path.cwd)
    # The account the deploy host acts as: it gets operator_role on every project whose
    # project-scoped resources (networks, servers...) it manages, to work inside that project.
    operator_user: str = "admin"
    operator_user_domain: str = DEFAULT_DOMAIN
    operator_role: str = "member"


@dataclass
class Result:
    problems: list[Problem]
    steps: list[Step]
    cloud: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def phases(self) -> list[dict[str, Any]]:
        """The steps grouped into runs of the same module and state, in plan order."""
        out: list[dict[str, Any]] = []
        for step in self.steps:
            if out and out[-1]["module"] == step.module and out[-1]["state"] == step.state:
                out[-1]["steps"].append(step.as_dict())
                continue
            verb = "Create or update" if step.state == PRESENT else "Remove"
            out.append(
                {
                    "module": step.module,
                    "state": step.state,
                    "title": f"{verb} {TITLES[step.module]}",
                    "steps": [step.as_dict()],
                }
            )
        return out

    def scoped_absent_projects(self) -> list[str]:
        """Projects whose resources are removed from inside them (roles/tenants first checks
        that they still exist: a removed project's leftovers are gone with it)."""
        seen: list[str] = []
        for step in self.steps:
            if step.state == ABSENT and step.project and step.project not in seen:
                seen.append(step.project)
        return seen


# --- structural validation --------------------------------------------------------------------
class _Checker:
    """Walks the description: keys, types, required keys, states; builds the entries."""

    def __init__(self, options: Options):
        self.options = options
        self.problems: list[Problem] = []
        self.found: list[Entry] = []

    def problem(self, rule: str, path: str, message: str, fix: str = "") -> None:
        self.problems.append(Problem(rule, path, message, fix))

    # value types -------------------------------------------------------------------------------
    def value(self, path: str, opt: Opt, value: Any) -> bool:  # noqa: PLR0911, PLR0912 - one branch per type
        """Check one value against its type; False (and a problem) when it does not fit."""
        t = opt.type
        if t in ("str", "ref", "path"):
            if not isinstance(value, str) or not value:
                return self._wrong(path, "a non-empty string", value)
        elif t == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                return self._wrong(path, "an integer", value)
            if opt.minimum is not None and value < opt.minimum:
                self.problem("out-of-range", path, f"must be {opt.minimum} or more, not {value}")
                return False
        elif t == "bool":
            if not isinstance(value, bool):
                return self._wrong(path, "true or false", value)
        elif t == "state":
            if value not in (PRESENT, ABSENT):
                self.problem("bad-choice", path, f"must be present or absent, not {value!r}")
                return False
        elif t in ("dict", "map", "quotas"):
            if not isinstance(value, Mapping):
                return self._wrong(path, "a mapping", value)
            if t == "map":
                return self._map(path, value)
            if t == "quotas":
                return self._quotas(path, value)
        elif t in ("strs", "refs", "paths", "ips"):
            if not isinstance(value, list):
                return self._wrong(path, "a list", value)
            ok = True
            for i, item in enumerate(value):
                sub = "ip" if t == "ips" else "str"
                ok = self.value(f"{path}[{i}]", Opt(sub), item) and ok
            return ok
        elif t == "cidr":
            return self._network(path, value)
        elif t == "ip":
            return self._ip(path, value)
        elif t in ("pools", "routes", "nics", "roles"):
            return self._list_of_mappings(path, t, value)
        elif t == "protocol":
            return self._protocol(path, value)
        elif t == "port":
            return self._port(path, value)
        elif t == "floating_ip":
            return self._floating_ip(path, value)
        if opt.choices and value not in opt.choices:
            choices = ", ".join(str(c) for c in opt.choices)
            self.problem("bad-choice", path, f"must be one of {choices}, not {value!r}")
            return False
        return True

    def _wrong(self, path: str, expected: str, value: Any) -> bool:
        """A type problem: it names the type found, never the value (which may be a secret)."""
        self.problem("wrong-type", path, f"must be {expected}, not {_type_name(value)}")
        return False

    def _map(self, path: str, value: Mapping) -> bool:
        ok = True
        for k, v in value.items():
            if not isinstance(v, (str, int, float, bool)):
                ok = self._wrong(f"{path}.{k}", "a string, number or boolean", v)
        return ok

    def _quotas(self, path: str, value: Mapping) -> bool:
        ok = True
        for service, limits in value.items():
            where = f"{path}.{service}"
            if service not in ("compute", "network", "volume"):
                hint = _did_you_mean(service, ("compute", "network", "volume"))
                self.problem(
                    "unknown-key", where, f"unknown quota service{hint}", "use compute, network or volume"
                )
                ok = False
                continue
            if not isinstance(limits, Mapping):
                ok = self._wrong(where, "a mapping of limits", limits)
                continue
            known = QUOTA_LIMITS[service] if QUOTA_LIMITS else None
            for limit, number in limits.items():
                if known is not None and limit not in known:
                    self.problem(
                        "unknown-key",
                        f"{where}.{limit}",
                        f"unknown {service} limit{_did_you_mean(limit, known)}",
                        f"known limits: {', '.join(sorted(known))}",
                    )
                    ok = False
                elif not isinstance(number, int) or isinstance(number, bool) or number < -1:
                    self.problem("wrong-type", f"{where}.{limit}", "must be an integer, -1 for unlimited")
                    ok = False
        return ok

    def _network(self, path: str, value: Any) -> bool:
        try:
            net = (
                ipaddress.ip_network(value, strict=True) if isinstance(value, str) and "/" in value else None
            )
        except ValueError:
            net = None
        if net is None:
            self.problem(
                "malformed-cidr",
                path,
                f"{value!r} is not a network in CIDR form",
                "write the network address and prefix length, e.g. 10.0.0.0/24",
            )
            return False
        return True

    def _ip(self, path: str, value: Any) -> bool:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            self.problem("malformed-address", path, f"{value!r} is not an IP address")
            return False
        return True

    def _list_of_mappings(self, path: str, kind: str, value: Any) -> bool:
        if not isinstance(value, list):
            return self._wrong(path, "a list", value)
        keys = {
            "pools": {"start": Opt("ip", required=True), "end": Opt("ip", required=True)},
            "routes": {"destination": Opt("cidr", required=True), "nexthop": Opt("ip", required=True)},
            "nics": {"network": Opt("ref", required=True), "fixed_ip": Opt("ip")},
            "roles": {"name": Opt("str", required=True), "state": Opt("state")},
        }[kind]
        ok = True
        for i, item in enumerate(value):
            where = f"{path}[{i}]"
            # A network or a role may be written as its bare name.
            if kind in ("nics", "roles") and isinstance(item, str):
                ok = self.value(where, Opt("str"), item) and ok
                continue
            if not isinstance(item, Mapping):
                ok = self._wrong(where, "a mapping", item)
                continue
            ok = self.mapping(where, item, keys, required=True) and ok
        return ok

    def _protocol(self, path: str, value: Any) -> bool:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255:
            return True
        if value in NAMED_PROTOCOLS:
            return True
        self.problem(
            "bad-choice",
            path,
            f"must be one of {', '.join(NAMED_PROTOCOLS)} or an IP protocol number, not {value!r}",
        )
        return False

    def _port(self, path: str, value: Any) -> bool:
        low = high = None
        if isinstance(value, int) and not isinstance(value, bool):
            low = high = value
        elif isinstance(value, str) and re.fullmatch(r"\d+-\d+", value):
            low, high = (int(x) for x in value.split("-"))
        if low is None or not (1 <= low <= high <= 65535):
            self.problem(
                "bad-port",
                path,
                f"{value!r} is not a port (1-65535) or a range 'low-high'",
                "write 22 or '8000-8080'",
            )
            return False
        return True

    def _floating_ip(self, path: str, value: Any) -> bool:
        if isinstance(value, bool):
            return True
        if not isinstance(value, Mapping):
            return self._wrong(path, "true, false or a mapping {network, address}", value)
        keys = {"network": Opt("ref"), "address": Opt("ip")}
        return self.mapping(path, value, keys, required=True)

    # mappings and entries ---------------------------------------------------------------------
    def mapping(
        self, path: str, data: Mapping, keys: Mapping[str, Opt], required: bool, allowed=None
    ) -> bool:
        """Unknown keys (with a suggestion), then each known key's type, then required keys."""
        ok = True
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in keys:
                self.problem(
                    "unknown-key",
                    where,
                    f"unknown key{_did_you_mean(key, keys)}",
                    f"known keys here: {', '.join(keys)}",
                )
                ok = False
                continue
            if allowed is not None and key not in allowed:
                self.problem(
                    "external-entry",
                    where,
                    "not allowed on an entry marked external: true, which only names something "
                    "that exists already",
                    f"remove it, or remove external: true to manage the entry here (allowed: "
                    f"{', '.join(sorted(allowed))})",
                )
                ok = False
                continue
            opt = keys[key]
            if opt.type == "entries" or (value is None and not opt.required):
                continue
            ok = self.value(where, opt, value) and ok
        if required:
            for key, opt in keys.items():
                if opt.required and data.get(key) is None:
                    self.problem("missing-key", path, f"'{key}' is required", f"add {key}")
                    ok = False
        return ok

    def entries(
        self,
        path: str,
        value: Any,
        schema: Schema,
        *,
        scope: str = "",
        project: Entry | None = None,
        parent: Entry | None = None,
        inherited: str = PRESENT,
    ) -> list[Entry]:
        if value is None:
            return []
        if not isinstance(value, list):
            self._wrong(path, f"a list of {schema.kind} entries", value)
            return []
        out = []
        for i, data in enumerate(value):
            where = f"{path}[{i}]"
            if not isinstance(data, Mapping):
                self._wrong(where, f"a {schema.kind} entry (a mapping)", data)
                continue
            external = data.get("external") is True
            allowed = schema.external if external else None
            self.mapping(where, data, schema.keys, required=False, allowed=allowed)
            state = data.get("state", inherited)
            if state not in (PRESENT, ABSENT):
                state = inherited
            if inherited == ABSENT and data.get("state") == PRESENT:
                owner = (parent or project).path if (parent or project) else ""
                self.problem(
                    "present-in-absent",
                    f"{where}.state",
                    f"present inside {owner}, which is absent",
                    "remove state: present (everything inside an absent entry is removed with it)",
                )
            entry = Entry(
                schema.kind, where, data, state, scope=scope, project=project, parent=parent, index=i
            )
            if schema.named and not (isinstance(data.get("name"), str) and data.get("name")):
                if "name" not in data:
                    self.problem("missing-key", where, "'name' is required", "add name")
                continue
            if not external and state == PRESENT:
                for key, opt in schema.keys.items():
                    if opt.required and data.get(key) is None:
                        self.problem("missing-key", where, f"'{key}' is required", f"add {key}")
            out.append(entry)
            self.found.append(entry)
        return out

    def description(self, desc: Any) -> None:
        if not isinstance(desc, Mapping):
            self._wrong("", "a mapping (cloud, domains, roles, flavors, images, networks, projects)", desc)
            return
        self.mapping("", desc, TOP.keys, required=False)
        for kind_key in ("domains", "roles", "flavors", "images"):
            self.entries(kind_key, desc.get(kind_key), SCHEMAS[TOP.keys[kind_key].entries])
        for net in self.entries("networks", desc.get("networks"), NETWORK):
            self.entries(
                f"{net.path}.subnets", net.data.get("subnets"), SUBNET, parent=net, inherited=net.state
            )
        for project in self.entries("projects", desc.get("projects"), SCHEMAS["project"]):
            self.project(project)

    def project(self, project: Entry) -> None:
        scope = f"{project.domain}/{project.name}"
        kw = {"scope": scope, "project": project, "inherited": project.state}
        for key in ("users", "keypairs", "images", "servers", "volumes", "stacks"):
            self.entries(f"{project.path}.{key}", project.data.get(key), SCHEMAS[key[:-1]], **kw)
        self.entries(f"{project.path}.routers", project.data.get("routers"), SCHEMAS["router"], **kw)
        for net in self.entries(f"{project.path}.networks", project.data.get("networks"), NETWORK, **kw):
            for key in CLOUD_NETWORK_KEYS:
                if key in net.data:
                    self.problem(
                        "admin-only",
                        f"{net.path}.{key}",
                        "only a cloud-wide network may set this",
                        "declare the network under the top-level networks",
                    )
            self.entries(
                f"{net.path}.subnets",
                net.data.get("subnets"),
                SUBNET,
                scope=scope,
                project=project,
                parent=net,
                inherited=net.state,
            )
        groups = self.entries(
            f"{project.path}.security_groups",
            project.data.get("security_groups"),
            SCHEMAS["security_group"],
            **kw,
        )
        for group in groups:
            self.entries(
                f"{group.path}.rules",
                group.data.get("rules"),
                RULE,
                scope=scope,
                project=project,
                parent=group,
                inherited=group.state,
            )


# --- semantic validation: duplicates, references, states, files ------------------------------
class _Model:
    """Indexes of the entries, reference resolution, and the semantic rules."""

    def __init__(self, checker: _Checker):
        self.c = checker
        self.options = checker.options
        self.by: dict[tuple[str, str, str], Entry] = {}
        self.users: dict[tuple[str, str], Entry] = {}
        self.keypairs: dict[str, Entry] = {}
        self.floating: list[tuple[Entry, list[Entry | None]]] = []
        for entry in checker.found:
            self._index(entry)

    def problem(self, *args: str) -> None:
        self.c.problem(*args)

    def _index(self, entry: Entry) -> None:
        kind = entry.kind
        if kind == "security_group_rule":
            return
        if kind == "user":
            self._index_user(entry)
            return
        # Projects are unique in their domain; the rest in their project (or cloud-wide).
        scope = entry.domain if kind == "project" else entry.scope
        slot = (kind, scope, entry.name)
        first = self.by.get(slot)
        if first is not None:
            where = f" in domain '{scope}'" if kind == "project" else entry.where()
            self.problem(
                "duplicate",
                entry.path,
                f"{kind.replace('_', ' ')} '{entry.name}' is defined twice{where} (first at {first.path})",
                "give each one its own name, or merge the two entries",
            )
            return
        self.by[slot] = entry
        if kind == "keypair":
            # Keypairs belong to the user who creates them: one operator for every project.
            other = self.keypairs.get(entry.name)
            if other is not None:
                self.problem(
                    "duplicate",
                    entry.path,
                    f"keypair '{entry.name}' is also defined at {other.path}: keypairs belong to the "
                    f"account that creates them (the same for every project), so their names are unique",
                    "give each keypair its own name",
                )
            else:
                self.keypairs[entry.name] = entry
        if kind in ("image", "network") and entry.scope:
            cloud = self.by.get((kind, "", entry.name))
            if cloud is not None:
                self.problem(
                    "duplicate",
                    entry.path,
                    f"{kind} '{entry.name}' is also a cloud-wide {kind} ({cloud.path}): a reference "
                    f"to it would be ambiguous",
                    "rename one of them",
                )

    def _index_user(self, entry: Entry) -> None:
        slot = (entry.domain, entry.name)
        # Referring to the same user twice in one project is a duplicate, whatever kind of entry.
        for other in self.c.found:
            if other is entry:
                break
            if other.kind == "user" and other.project is entry.project and (other.domain, other.name) == slot:
                self.problem(
                    "duplicate",
                    entry.path,
                    f"user '{entry.name}' is listed twice in project '{entry.scope}' (first at {other.path})",
                    "list each user once per project, with all its roles",
                )
                return
        if entry.external:
            return
        first = self.users.get(slot)
        if first is not None:
            self.problem(
                "duplicate",
                entry.path,
                f"user '{entry.name}' of domain '{entry.domain}' is defined twice (first at {first.path})",
                "define a user once; in other projects, list it with external: true and its roles",
            )
            return
        self.users[slot] = entry

    # references ---------------------------------------------------------------------------------
    def resolve(
        self,
        path: str,
        what: str,
        name: Any,
        slots: list[tuple[str, str]],
        user: Entry,
        *,
        builtin: Iterable[str] = (),
        hint: str = "",
    ) -> Entry | None:
        """The entry ``name`` refers to, looked up in ``slots`` ((kind, scope) in order); None for
        an id, a built-in, or an unresolved name (reported). ``user`` is the referring entry."""
        if not isinstance(name, str) or not name:
            return None
        if UUID.match(name) or name in builtin:
            return None
        for kind, scope in slots:
            found = self.by.get((kind, scope, name))
            if found is not None:
                self.state_of_reference(path, what, found, user)
                return found
        candidates = [n for (k, s, n) in self.by if (k, s) in slots] + list(builtin)
        scopes = [f"project '{scope}'" if scope else "cloud-wide" for _, scope in slots]
        self.problem(
            "undefined-reference",
            path,
            f"{what} '{name}' is not defined{_did_you_mean(name, candidates)}",
            hint
            or f"define {what} '{name}' ({' or '.join(scopes)}), or declare it there with external: true "
            f"if it exists already, or refer to it by id",
        )
        return None

    def state_of_reference(self, path: str, what: str, target: Entry, user: Entry) -> None:
        if user.state == PRESENT and target.state == ABSENT:
            self.problem(
                "reference-to-absent",
                path,
                f"{what} '{target.name}' has state: absent ({target.path})",
                f"remove the reference, or keep {what} '{target.name}' present",
            )

    def project_slots(self, kind: str, entry: Entry, cloud: bool = True) -> list[tuple[str, str]]:
        slots = [(kind, entry.scope)]
        return [*slots, (kind, "")] if cloud else slots

    def check(self) -> None:
        for entry in self.c.found:
            getattr(self, f"_check_{entry.kind}", lambda e: None)(entry)
        self._check_subnet_overlaps()
        self._check_floating_ips()

    def _domain_ref(self, entry: Entry) -> None:
        domain = entry.data.get("domain")
        if domain is None:
            return
        self.resolve(
            f"{entry.path}.domain", "domain", domain, [("domain", "")], entry, builtin=BUILTIN_DOMAINS
        )

    def _check_project(self, entry: Entry) -> None:
        self._domain_ref(entry)

    def _check_user(self, entry: Entry) -> None:
        self._domain_ref(entry)
        defined = self.users.get((entry.domain, entry.name))
        if entry.external and defined is not None:
            self.state_of_reference(entry.path, "user", defined, entry)
        roles = entry.data.get("roles") or []
        if not isinstance(roles, list):
            return
        seen: dict[str, int] = {}
        for i, role in enumerate(roles):
            name, state = _role_item(role)
            if not isinstance(name, str):
                continue
            where = f"{entry.path}.roles[{i}]"
            if name in seen:
                self.problem(
                    "duplicate", where, f"role '{name}' is listed twice (first at roles[{seen[name]}])"
                )
                continue
            seen[name] = i
            holder = _Proxy(entry, state if entry.state == PRESENT else ABSENT)
            self.resolve(
                where,
                "role",
                name,
                [("role", "")],
                holder,  # type: ignore[arg-type]
                builtin=BUILTIN_ROLES,
                hint=f"define role '{name}' under roles, or use one of {', '.join(BUILTIN_ROLES)}",
            )

    def _check_subnet(self, entry: Entry) -> None:
        data = entry.data
        cidr = _net(data.get("cidr"))
        if cidr is None:
            return
        version = data.get("ip_version")
        if version in (4, 6) and version != cidr.version:
            self.problem(
                "ip-version",
                f"{entry.path}.ip_version",
                f"{cidr} is an IPv{cidr.version} network",
                f"set ip_version: {cidr.version} or leave it out",
            )
        gateway = _ip(data.get("gateway_ip"))
        if gateway is not None and gateway not in cidr:
            self.problem(
                "outside-subnet",
                f"{entry.path}.gateway_ip",
                f"{gateway} is outside {cidr}",
                f"use an address inside {cidr}",
            )
        if gateway is not None and data.get("no_gateway") is True:
            self.problem(
                "conflict",
                entry.path,
                "gateway_ip and no_gateway: true contradict each other",
                "keep one of them",
            )
        for i, pool in enumerate(data.get("allocation_pools") or []):
            if not isinstance(pool, Mapping):
                continue
            start, end = _ip(pool.get("start")), _ip(pool.get("end"))
            for key, ip in (("start", start), ("end", end)):
                if ip is not None and ip not in cidr:
                    self.problem(
                        "outside-subnet",
                        f"{entry.path}.allocation_pools[{i}].{key}",
                        f"{ip} is outside {cidr}",
                        f"use an address inside {cidr}",
                    )
            if start is not None and end is not None and start.version == end.version and start > end:
                self.problem(
                    "bad-pool",
                    f"{entry.path}.allocation_pools[{i}]",
                    f"starts at {start}, after its end {end}",
                )
        for i, server in enumerate(data.get("dns_nameservers") or []):
            ip = _ip(server)
            if ip is not None and ip.version != cidr.version:
                self.problem(
                    "ip-version",
                    f"{entry.path}.dns_nameservers[{i}]",
                    f"{ip} is not an IPv{cidr.version} address",
                )

    def _check_subnet_overlaps(self) -> None:
        nets: dict[int, list[tuple[Entry, Any]]] = {}
        for entry in self.c.found:
            if entry.kind == "subnet" and entry.state == PRESENT:
                cidr = _net(entry.data.get("cidr"))
                if cidr is not None:
                    nets.setdefault(id(entry.parent), []).append((entry, cidr))
        for subnets in nets.values():
            for i, (a, net_a) in enumerate(subnets):
                for b, net_b in subnets[i + 1 :]:
                    if net_a.version == net_b.version and net_a.overlaps(net_b):
                        self.problem(
                            "overlapping-subnets",
                            f"{b.path}.cidr",
                            f"{net_b} overlaps subnet '{a.name}' ({net_a}, {a.path}) of the same network",
                            "give the subnets of a network disjoint CIDRs",
                        )

    def _check_router(self, entry: Entry) -> None:
        if entry.state != PRESENT or entry.external:
            return
        gateway = entry.data.get("external_network")
        target = self.resolve(
            f"{entry.path}.external_network",
            "network",
            gateway,
            self.project_slots("network", entry),
            entry,
        )
        if target is not None and target.managed and target.data.get("router_external") is not True:
            self.problem(
                "not-external",
                f"{entry.path}.external_network",
                f"network '{target.name}' ({target.path}) is not an external network",
                "set router_external: true on a cloud-wide network, or name an external network",
            )
        seen: dict[str, int] = {}
        for i, subnet in enumerate(entry.data.get("interfaces") or []):
            where = f"{entry.path}.interfaces[{i}]"
            if subnet in seen:
                self.problem(
                    "duplicate",
                    where,
                    f"subnet '{subnet}' is listed twice (first at interfaces[{seen[subnet]}])",
                )
                continue
            seen[subnet] = i
            self.resolve(where, "subnet", subnet, [("subnet", entry.scope)], entry)

    def _check_security_group_rule(self, entry: Entry) -> None:
        data = entry.data
        protocol = data.get("protocol")
        known_protocol = protocol is None or protocol in NAMED_PROTOCOLS or isinstance(protocol, int)
        if "port" in data and protocol not in ("tcp", "udp") and known_protocol:
            self.problem(
                "port-without-protocol",
                f"{entry.path}.port",
                "a port needs protocol tcp or udp",
                "add protocol: tcp (or udp)",
            )
        if data.get("remote_ip_prefix") and data.get("remote_group"):
            self.problem(
                "conflict",
                entry.path,
                "remote_ip_prefix and remote_group exclude each other",
                "keep one of them",
            )
        prefix = _net(data.get("remote_ip_prefix"))
        ethertype = data.get("ethertype")
        if prefix is not None and ethertype in ("IPv4", "IPv6") and ethertype != f"IPv{prefix.version}":
            self.problem(
                "ip-version",
                f"{entry.path}.ethertype",
                f"{prefix} is an IPv{prefix.version} network",
                f"set ethertype: IPv{prefix.version} or leave it out",
            )
        if data.get("remote_group") and entry.state == PRESENT:
            self.resolve(
                f"{entry.path}.remote_group",
                "security group",
                data["remote_group"],
                [("security_group", entry.scope)],
                entry,
                builtin=(DEFAULT_SECURITY_GROUP,),
            )
        # The same rule twice in a group (neutron refuses the second).
        for other in self.c.found:
            if other is entry:
                break
            if (
                other.kind == entry.kind
                and other.parent is entry.parent
                and _rule_id(other) == _rule_id(entry)
            ):
                self.problem(
                    "duplicate",
                    entry.path,
                    f"the same rule as {other.path}",
                    "remove one of them",
                )
                break

    def _check_keypair(self, entry: Entry) -> None:
        if entry.external or entry.state != PRESENT:
            return
        given = [k for k in ("public_key", "public_key_file") if entry.data.get(k)]
        if len(given) != 1:
            self.problem(
                "keypair-key",
                entry.path,
                "give exactly one of public_key and public_key_file",
                "public_key: 'ssh-ed25519 AAAA...' or public_key_file: ~/.ssh/id_ed25519.pub",
            )
        elif given == ["public_key_file"]:
            self.file(f"{entry.path}.public_key_file", entry.data["public_key_file"])

    def _check_image(self, entry: Entry) -> None:
        if entry.managed and entry.state == PRESENT and entry.data.get("file"):
            self.file(f"{entry.path}.file", entry.data["file"])

    def _check_stack(self, entry: Entry) -> None:
        if entry.external or entry.state != PRESENT:
            return
        if isinstance(entry.data.get("template"), str):
            self.file(f"{entry.path}.template", entry.data["template"])
        for i, env in enumerate(entry.data.get("environment_files") or []):
            if isinstance(env, str):
                self.file(f"{entry.path}.environment_files[{i}]", env)

    def _check_server(self, entry: Entry) -> None:
        if entry.external:
            return
        if entry.state != PRESENT:
            self._check_absent_server(entry)
            return
        data, path = entry.data, entry.path
        self.resolve(f"{path}.image", "image", data.get("image"), self.project_slots("image", entry), entry)
        self.resolve(f"{path}.flavor", "flavor", data.get("flavor"), [("flavor", "")], entry)
        if data.get("key"):
            self.resolve(f"{path}.key", "keypair", data["key"], [("keypair", entry.scope)], entry)
        seen: dict[str, int] = {}
        for i, group in enumerate(data.get("security_groups") or []):
            where = f"{path}.security_groups[{i}]"
            if group in seen:
                self.problem("duplicate", where, f"security group '{group}' is listed twice")
                continue
            seen[group] = i
            self.resolve(
                where,
                "security group",
                group,
                [("security_group", entry.scope)],
                entry,
                builtin=(DEFAULT_SECURITY_GROUP,),
            )
        networks = []
        for i, nic in enumerate(data.get("networks") or []):
            name = nic.get("network") if isinstance(nic, Mapping) else nic
            where = f"{path}.networks[{i}]" + (".network" if isinstance(nic, Mapping) else "")
            networks.append(self.resolve(where, "network", name, self.project_slots("network", entry), entry))
            fixed = _ip(nic.get("fixed_ip")) if isinstance(nic, Mapping) else None
            target = networks[-1]
            if fixed is not None and target is not None:
                inside = [_net(s.data.get("cidr")) for s in self.c.found if s.parent is target]
                if inside and not any(n is not None and fixed in n for n in inside):
                    self.problem(
                        "outside-subnet",
                        f"{path}.networks[{i}].fixed_ip",
                        f"{fixed} is in no subnet of network '{target.name}'",
                    )
        fip = data.get("floating_ip")
        if isinstance(fip, Mapping) and fip.get("network"):
            self.resolve(
                f"{path}.floating_ip.network",
                "network",
                fip["network"],
                self.project_slots("network", entry),
                entry,
            )
        elif fip is True or isinstance(fip, Mapping):
            self.floating.append((entry, networks))

    def _check_absent_server(self, entry: Entry) -> None:
        """Releasing a floating IP takes its network too: named, or a router's gateway."""
        fip = entry.data.get("floating_ip")
        if fip is True or (isinstance(fip, Mapping) and not fip.get("network")):
            networks = []
            for nic in entry.data.get("networks") or []:
                name = nic.get("network") if isinstance(nic, Mapping) else nic
                networks.append(
                    self.by.get(("network", entry.scope, name)) or self.by.get(("network", "", name))
                )
            self.floating.append((entry, networks))

    def _check_floating_ips(self) -> None:
        """A floating IP without a network comes from a router's gateway (checked last, and only
        when every reference resolved: an undefined subnet or network is the problem then)."""
        if any(p.rule == "undefined-reference" for p in self.c.problems):
            return
        for entry, networks in self.floating:
            if self.floating_network(entry, networks) is not None:
                continue
            self.problem(
                "no-floating-network",
                f"{entry.path}.floating_ip",
                "no router of the project connects one of the server's networks to an external network",
                "add a router with external_network and an interface on a subnet of the server's "
                "network, or name the network: floating_ip: {network: public}",
            )

    def floating_network(self, server: Entry, networks: list[Entry | None]) -> str | None:
        """The external network of a router that has an interface on one of the server's networks."""
        for network in networks:
            if network is None:
                continue
            subnets = {s.name for s in self.c.found if s.kind == "subnet" and s.parent is network}
            for router in self.c.found:
                if router.kind != "router" or router.project is not server.project:
                    continue
                if router.state == ABSENT and server.state == PRESENT:
                    continue
                interfaces = set(router.data.get("interfaces") or [])
                gateway = router.data.get("external_network")
                if gateway and interfaces & subnets:
                    return gateway
        return None

    def _check_volume(self, entry: Entry) -> None:
        if entry.external or entry.state != PRESENT:
            return
        if entry.data.get("image"):
            self.resolve(
                f"{entry.path}.image", "image", entry.data["image"], self.project_slots("image", entry), entry
            )
        if entry.data.get("attach_to"):
            self.resolve(
                f"{entry.path}.attach_to", "server", entry.data["attach_to"], [("server", entry.scope)], entry
            )
        elif entry.data.get("device"):
            self.problem(
                "conflict", f"{entry.path}.device", "device without attach_to", "add attach_to: SERVER"
            )

    def file(self, path: str, name: str) -> None:
        resolved = _path(self.options.base_dir, name)
        if not resolved.is_file():
            self.problem(
                "missing-file",
                path,
                f"file '{name}' not found ({resolved})",
                f"correct the path (relative paths start from {self.options.base_dir})",
            )


@dataclass
class _Proxy:
    """An entry with another state (a role item of a user), for reference state checks."""

    entry: Entry
    state: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.entry, name)


def _role_item(role: Any) -> tuple[Any, str]:
    if isinstance(role, Mapping):
        return role.get("name"), role.get("state", PRESENT)
    return role, PRESENT


def _rule_id(rule: Entry) -> tuple:
    """What makes a rule the same rule for neutron (its defaults filled in)."""
    d = rule.data
    prefix = _net(d.get("remote_ip_prefix"))
    protocol = d.get("protocol")
    return (
        d.get("direction", "ingress"),
        d.get("ethertype") or (f"IPv{prefix.version}" if prefix else "IPv4"),
        None if protocol == "any" else PROTOCOL_ALIASES.get(protocol, protocol),
        str(d.get("port")),
        str(prefix) if prefix else d.get("remote_ip_prefix"),
        d.get("remote_group"),
    )


def _net(value: Any):
    try:
        return ipaddress.ip_network(value, strict=True) if isinstance(value, str) else None
    except ValueError:
        return None


def _ip(value: Any):
    try:
        return ipaddress.ip_address(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _path(base: Path, name: str) -> Path:
    path = Path(name).expanduser()
    return path if path.is_absolute() else (base / path)


# --- the plan ---------------------------------------------------------------------------------
def _compact(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


class _Planner:
    def __init__(self, model: _Model):
        self.m = model
        self.options = model.options
        self.steps: list[Step] = []
        self.operator_keys: dict[str, str] = {}

    # what a step refers to ---------------------------------------------------------------------
    def need(self, found: Entry | None) -> list[str]:
        return [found.key] if found is not None and found.managed else []

    def lookup(self, kind: str, name: Any, slots: list[tuple[str, str]]) -> Entry | None:
        if not isinstance(name, str):
            return None
        for k, scope in slots:
            found = self.m.by.get((k, scope, name))
            if found is not None:
                return found
        return None

    def domain_need(self, domain: str) -> list[str]:
        return self.need(self.lookup("domain", domain, [("domain", "")]))

    def project_needs(self, entry: Entry) -> list[str]:
        """A project-scoped step needs its project and the operator's role on it."""
        project = entry.project
        out = self.need(project) if project is not None else []
        if entry.scope in self.operator_keys:
            out.append(self.operator_keys[entry.scope])
        return out

    def scoped(self, entry: Entry) -> dict[str, Any]:
        project = entry.project
        domain = project.domain
        auth: dict[str, Any] = {"project_name": project.name}
        auth["project_domain_id" if UUID.match(domain) or domain == "default" else "project_domain_name"] = (
            domain
        )
        return {"auth": auth}

    def add(  # noqa: PLR0917 - the fields of a Step
        self, entry: Entry | None, module: str, state: str, key: str, label: str, params, **kw
    ) -> None:
        path = entry.path if entry is not None else ""
        # Only a step that creates or updates needs anything (removals find what is there).
        kw["needs"] = list(dict.fromkeys(kw.get("needs") or [])) if state == PRESENT else []
        step = Step(module, state, key, label, path, _compact({**params, "state": state}), **kw)
        if entry is not None and entry.scope and module not in ("user", "role_assignment", "quota"):
            step.params.update(self.scoped(entry))
            step.project = f"project {entry.scope}"
        self.steps.append(step)

    # one method per kind of entry -----------------------------------------------------------------
    def build(self) -> list[Step]:
        entries = self.m.c.found
        self.operators(entries)
        for entry in entries:
            if entry.managed or entry.kind in ("user", "project"):
                getattr(self, f"_{entry.kind}")(entry)
        return self.ordered()

    def ordered(self) -> list[Step]:
        rank = {module: i for i, module in enumerate(ORDER)}
        present = [s for s in self.steps if s.state == PRESENT]
        absent = [s for s in self.steps if s.state == ABSENT]
        present.sort(key=lambda s: rank[s.module])  # stable: description order within a kind
        absent.reverse()
        absent.sort(key=lambda s: -rank[s.module])
        return present + absent

    def operators(self, entries: list[Entry]) -> None:
        """The operator's role on each present project whose own resources are managed here."""
        o = self.options
        for project in entries:
            if project.kind != "project" or project.state != PRESENT:
                continue
            scope = f"{project.domain}/{project.name}"
            inside = [
                e
                for e in entries
                if e.scope == scope and e.kind not in ("user",) and e.managed and e.project is project
            ]
            if not inside:
                continue
            key = f"role_assignment operator {scope}"
            self.operator_keys[scope] = key
            self.add(
                project,
                "role_assignment",
                PRESENT,
                key,
                f"role {o.operator_role} of the operator {o.operator_user_domain}/{o.operator_user} "
                f"on project {scope}",
                {
                    "role": o.operator_role,
                    "user": o.operator_user,
                    "user_domain": o.operator_user_domain,
                    "project": project.name,
                    "project_domain": project.domain,
                },
                needs=self.need(project) + self.domain_need(project.domain),
            )

    def _domain(self, e: Entry) -> None:
        params = {"name": e.name, "state": e.state}
        if e.state == PRESENT:
            params.update(description=e.data.get("description"), enabled=e.data.get("enabled"))
        self.add(e, "identity_domain", e.state, e.key, f"domain {e.name}", params)

    def _role(self, e: Entry) -> None:
        params = {"name": e.name, "state": e.state}
        if e.state == PRESENT:
            params["description"] = e.data.get("description")
        self.add(e, "role", e.state, e.key, f"role {e.name}", params)

    def _project(self, e: Entry) -> None:
        scope = f"{e.domain}/{e.name}"
        if e.managed:
            params = {"name": e.name, "domain": e.domain, "state": e.state}
            if e.state == PRESENT:
                params.update(
                    description=e.data.get("description"),
                    enabled=e.data.get("enabled"),
                    tags=e.data.get("tags"),
                )
            self.add(
                e, "project", e.state, e.key, f"project {scope}", params, needs=self.domain_need(e.domain)
            )
        quotas = e.data.get("quotas")
        if isinstance(quotas, Mapping) and quotas:
            if e.state == PRESENT:
                services = {s: dict(limits) for s, limits in quotas.items()}
                needs = self.need(e)
            else:
                services = {s: {} for s in quotas}  # reset the services named to their defaults
                needs = []
            self.add(
                e,
                "quota",
                e.state,
                f"quota {scope}",
                f"quotas of project {scope}",
                {"project": e.name, "project_domain": e.domain, "state": e.state, **services},
                needs=needs,
            )

    def _user(self, e: Entry) -> None:
        project = e.project
        scope = f"{project.domain}/{project.name}"
        if e.managed:
            params: dict[str, Any] = {"name": e.name, "domain": e.domain, "state": e.state}
            needs = self.domain_need(e.domain)
            secret = None
            if e.state == PRESENT:
                params.update(
                    email=e.data.get("email"),
                    description=e.data.get("description"),
                    enabled=e.data.get("enabled"),
                )
                if e.domain == project.domain:
                    params["default_project"] = project.name
                    needs += self.need(project)
                if e.data.get("password") is not None:
                    secret = [project.index, e.index]
            self.add(
                e, "user", e.state, e.key, f"user {e.domain}/{e.name}", params, needs=needs, secret=secret
            )
        # Roles: granted while the user and the project stay; a removed user or project takes
        # its assignments with it, so only an external user's entry revokes them.
        if project.state == ABSENT or (e.managed and e.state == ABSENT):
            return
        user = self.m.users.get((e.domain, e.name))
        for role in e.data.get("roles") or []:
            name, state = _role_item(role)
            state = ABSENT if e.state == ABSENT else state
            needs = []
            if state == PRESENT:
                needs = (
                    self.need(user)
                    + self.need(project)
                    + self.need(self.lookup("role", name, [("role", "")]))
                    + self.domain_need(e.domain)
                )
            self.add(
                e,
                "role_assignment",
                state,
                f"role_assignment {name} {e.domain}/{e.name} {scope}",
                f"role {name} of user {e.domain}/{e.name} on project {scope}",
                {
                    "role": name,
                    "user": e.name,
                    "user_domain": e.domain,
                    "project": project.name,
                    "project_domain": project.domain,
                    "state": state,
                },
                needs=needs,
            )

    def _flavor(self, e: Entry) -> None:
        params = {"name": e.name, "state": e.state}
        d = e.data
        if e.state == PRESENT:
            params.update(
                vcpus=d.get("vcpus"),
                ram=d.get("ram"),
                disk=d.get("disk", 0),
                ephemeral=d.get("ephemeral"),
                swap=d.get("swap"),
                is_public=d.get("public"),
                description=d.get("description"),
                extra_specs=d.get("extra_specs"),
            )
        self.add(e, "flavor", e.state, e.key, f"flavor {e.name}", params)

    def _image(self, e: Entry) -> None:
        d = e.data
        params: dict[str, Any] = {"name": e.name, "state": e.state}
        if e.state == PRESENT:
            params.update(
                file=str(_path(self.options.base_dir, d["file"]).resolve()),
                disk_format=d.get("disk_format", "qcow2"),
                container_format=d.get("container_format", "bare"),
                visibility=d.get("visibility", "private" if e.scope else "public"),
                min_disk=d.get("min_disk"),
                min_ram=d.get("min_ram"),
                properties=d.get("properties"),
                tags=d.get("tags"),
            )
        label = f"image {e.name}" + (f" of project {e.scope}" if e.scope else "")
        needs = self.project_needs(e) if e.state == PRESENT and e.scope else []
        self.add(e, "image", e.state, e.key, label, params, needs=needs)

    def _network(self, e: Entry) -> None:
        d = e.data
        params: dict[str, Any] = {"name": e.name, "state": e.state}
        if e.state == PRESENT:
            params.update(
                description=d.get("description"),
                mtu=d.get("mtu"),
                shared=d.get("shared"),
                admin_state_up=d.get("admin_state_up"),
                port_security_enabled=d.get("port_security"),
                dns_domain=d.get("dns_domain"),
                external=d.get("router_external"),
                provider_network_type=d.get("provider_network_type"),
                provider_physical_network=d.get("provider_physical_network"),
                provider_segmentation_id=d.get("provider_segmentation_id"),
            )
        label = f"network {e.name}" + (f" of project {e.scope}" if e.scope else "")
        needs = self.project_needs(e) if e.state == PRESENT and e.scope else []
        self.add(e, "network", e.state, e.key, label, params, needs=needs)

    def _subnet(self, e: Entry) -> None:
        # A subnet removed with its network goes with it: no step of its own.
        if e.parent.state == ABSENT:
            return
        d = e.data
        params: dict[str, Any] = {"name": e.name, "network": e.parent.name, "state": e.state}
        needs: list[str] = []
        if e.state == PRESENT:
            cidr = _net(d.get("cidr"))
            params.update(
                cidr=d.get("cidr"),
                ip_version=d.get("ip_version", cidr.version if cidr else None),
                gateway_ip=d.get("gateway_ip"),
                no_gateway=d.get("no_gateway"),
                enable_dhcp=d.get("enable_dhcp"),
                dns_nameservers=d.get("dns_nameservers"),
                allocation_pools=d.get("allocation_pools"),
                host_routes=d.get("host_routes"),
                ipv6_ra_mode=d.get("ipv6_ra_mode"),
                ipv6_address_mode=d.get("ipv6_address_mode"),
                description=d.get("description"),
            )
            needs = self.need(e.parent) + (self.project_needs(e) if e.scope else [])
        label = f"subnet {e.name} of network {e.parent.name}" + (f" of project {e.scope}" if e.scope else "")
        self.add(e, "subnet", e.state, e.key, label, params, needs=needs)

    def _router(self, e: Entry) -> None:
        d = e.data
        params: dict[str, Any] = {"name": e.name, "state": e.state}
        needs: list[str] = []
        if e.state == PRESENT:
            gateway = None
            if d.get("external_network"):
                gateway = _compact({"network": d["external_network"], "enable_snat": d.get("enable_snat")})
            params.update(
                description=d.get("description"),
                external_gateway=gateway,
                interfaces=d.get("interfaces"),
            )
            slots = [("network", e.scope), ("network", "")]
            needs = self.need(self.lookup("network", d.get("external_network"), slots))
            for subnet in d.get("interfaces") or []:
                needs += self.need(self.lookup("subnet", subnet, [("subnet", e.scope)]))
            needs += self.project_needs(e)
        self.add(e, "router", e.state, e.key, f"router {e.name} of project {e.scope}", params, needs=needs)

    def _security_group(self, e: Entry) -> None:
        params = {"name": e.name, "state": e.state}
        if e.state == PRESENT:
            params["description"] = e.data.get("description")
        needs = self.project_needs(e) if e.state == PRESENT else []
        label = f"security group {e.name} of project {e.scope}"
        self.add(e, "security_group", e.state, e.key, label, params, needs=needs)

    def _security_group_rule(self, e: Entry) -> None:
        # A rule removed with its group goes with it: no step of its own.
        if e.parent.state == ABSENT:
            return
        d = e.data
        low = high = None
        port = d.get("port")
        if isinstance(port, int):
            low = high = port
        elif isinstance(port, str) and "-" in port:
            low, high = (int(x) for x in port.split("-"))
        protocol = d.get("protocol")
        prefix = _net(d.get("remote_ip_prefix"))
        direction = d.get("direction", "ingress")
        ethertype = d.get("ethertype") or (f"IPv{prefix.version}" if prefix else "IPv4")
        params = {
            "security_group": e.parent.name,
            "direction": direction,
            "ethertype": ethertype,
            "protocol": None if protocol == "any" else PROTOCOL_ALIASES.get(protocol, protocol),
            "port_range_min": low,
            "port_range_max": high,
            "remote_ip_prefix": d.get("remote_ip_prefix"),
            "remote_group": d.get("remote_group"),
            "description": d.get("description") if e.state == PRESENT else None,
            "state": e.state,
        }
        if d.get("remote_ip_prefix"):
            remote = d["remote_ip_prefix"]
        elif d.get("remote_group"):
            remote = f"group {d['remote_group']}"
        else:
            remote = "anywhere"
        words = [direction, ethertype, str(protocol or "any")]
        if port is not None:
            words.append(str(port))
        words.append(f"{'from' if direction == 'ingress' else 'to'} {remote}")
        what = " ".join(words)
        needs: list[str] = []
        if e.state == PRESENT:
            needs = self.need(e.parent) + self.project_needs(e)
            if d.get("remote_group"):
                needs += self.need(
                    self.lookup("security_group", d["remote_group"], [("security_group", e.scope)])
                )
        label = f"rule {what} of security group {e.parent.name} of project {e.scope}"
        self.add(
            e, "security_group_rule", e.state, f"security_group_rule {e.path}", label, params, needs=needs
        )

    def _keypair(self, e: Entry) -> None:
        params: dict[str, Any] = {"name": e.name, "state": e.state}
        if e.state == PRESENT:
            if e.data.get("public_key_file"):
                params["public_key_file"] = str(
                    _path(self.options.base_dir, e.data["public_key_file"]).resolve()
                )
            else:
                params["public_key"] = e.data.get("public_key")
        needs = self.project_needs(e) if e.state == PRESENT else []
        self.add(e, "keypair", e.state, e.key, f"keypair {e.name} of project {e.scope}", params, needs=needs)

    def _volume(self, e: Entry) -> None:
        d = e.data
        params: dict[str, Any] = {"name": e.name, "state": e.state}
        needs: list[str] = []
        if e.state == PRESENT:
            params.update(
                size=d.get("size"),
                volume_type=d.get("type"),
                image=d.get("image"),
                description=d.get("description"),
                availability_zone=d.get("availability_zone"),
            )
            needs = self.need(self.lookup("image", d.get("image"), [("image", e.scope), ("image", "")]))
            needs += self.project_needs(e)
        self.add(e, "volume", e.state, e.key, f"volume {e.name} of project {e.scope}", params, needs=needs)
        if d.get("attach_to"):
            server = self.lookup("server", d["attach_to"], [("server", e.scope)])
            # A server's removal detaches its volumes itself, without the guest (an explicit
            # detach needs the guest's consent, which a hung or unbooted guest never gives).
            if server is not None and server.state == ABSENT:
                return
            # Detached before the volume is removed (cinder keeps an attached volume).
            state = e.state
            self.add(
                e,
                "volume_attachment",
                state,
                f"volume_attachment {e.scope}/{e.name}",
                f"attachment of volume {e.name} to server {d['attach_to']} of project {e.scope}",
                {"server": d["attach_to"], "volume": e.name, "device": d.get("device"), "state": state},
                needs=(self.need(e) + self.need(server) + self.project_needs(e)) if state == PRESENT else [],
            )

    def _server(self, e: Entry) -> None:
        d = e.data
        params: dict[str, Any] = {"name": e.name, "state": e.state}
        needs: list[str] = []
        nics = []
        nets: list[Entry | None] = []
        for nic in d.get("networks") or []:
            nic_map = dict(nic) if isinstance(nic, Mapping) else {"network": nic}
            nics.append(_compact(nic_map))
            nets.append(
                self.lookup("network", nic_map.get("network"), [("network", e.scope), ("network", "")])
            )
        if e.state == PRESENT:
            params.update(
                image=d.get("image"),
                flavor=d.get("flavor"),
                networks=nics or None,
                key_name=d.get("key"),
                security_groups=d.get("security_groups"),
                user_data=d.get("user_data"),
                metadata=d.get("metadata"),
                availability_zone=d.get("availability_zone"),
                config_drive=d.get("config_drive"),
            )
            for network in nets:
                needs += self.need(network)
            needs += self.need(self.lookup("image", d.get("image"), [("image", e.scope), ("image", "")]))
            needs += self.need(self.lookup("flavor", d.get("flavor"), [("flavor", "")]))
            needs += self.need(self.lookup("keypair", d.get("key"), [("keypair", e.scope)]))
            for group in d.get("security_groups") or []:
                needs += self.need(self.lookup("security_group", group, [("security_group", e.scope)]))
            needs += self.project_needs(e)
        self.add(e, "server", e.state, e.key, f"server {e.name} of project {e.scope}", params, needs=needs)
        fip = d.get("floating_ip")
        if fip is not True and not isinstance(fip, Mapping):
            return
        fip_map = fip if isinstance(fip, Mapping) else {}
        network = fip_map.get("network") or self.m.floating_network(e, nets)
        if e.state == PRESENT:
            slots = [("network", e.scope), ("network", "")]
            needs = self.need(e) + self.need(self.lookup("network", network, slots)) + self.project_needs(e)
        self.add(
            e,
            "floating_ip",
            e.state,
            f"floating_ip {e.scope}/{e.name}",
            f"floating IP of server {e.name} of project {e.scope}",
            {
                "server": e.name,
                "network": network,
                "floating_ip_address": fip_map.get("address"),
                "state": e.state,
            },
            needs=needs,
        )

    def _stack(self, e: Entry) -> None:
        d = e.data
        params: dict[str, Any] = {"name": e.name, "state": e.state}
        if e.state == PRESENT:
            params.update(
                template=str(_path(self.options.base_dir, d["template"]).resolve()),
                parameters=d.get("parameters"),
                environment=d.get("environment"),
                environment_files=[
                    str(_path(self.options.base_dir, x).resolve()) for x in d.get("environment_files") or []
                ]
                or None,
                tags=d.get("tags"),
                stack_timeout=d.get("timeout"),
            )
        needs = self.project_needs(e) if e.state == PRESENT else []
        self.add(e, "stack", e.state, e.key, f"stack {e.name} of project {e.scope}", params, needs=needs)


# --- the entry points -------------------------------------------------------------------------
def check(description: Any, options: Options | None = None) -> Result:
    """Validate ``description``; when it is valid, also plan the steps that converge it."""
    options = options or Options()
    checker = _Checker(options)
    checker.description(description)
    model = _Model(checker)
    model.check()
    cloud = description.get("cloud") if isinstance(description, Mapping) else None
    if checker.problems:
        return Result(checker.problems, [], cloud)
    return Result([], _Planner(model).build(), cloud)


def validate(description: Any, options: Options | None = None) -> list[Problem]:
    return check(description, options).problems


def plan(description: Any, options: Options | None = None) -> list[Step]:
    """The ordered steps; ValueError listing the problems when the description is not valid."""
    result = check(description, options)
    if result.problems:
        raise ValueError("\n".join(str(p) for p in result.problems))
    return result.steps


# --- check mode: steps that need what the run creates ------------------------------------------
def deferred(steps: Iterable[Mapping], pending: Iterable[str]) -> list[Mapping]:
    """Present steps that need something this (check) run would create first: reported as
    changes, not sent to their module (which would not find what does not exist yet)."""
    waiting = set(pending)
    return [s for s in steps if s["state"] == PRESENT and waiting.intersection(s.get("needs") or ())]


def ready(steps: Iterable[Mapping], pending: Iterable[str], gone: Iterable[str] = ()) -> list[Mapping]:
    """The steps to send to their module: not deferred, and not inside a project that is gone
    already (whose resources went with it)."""
    waiting, removed = set(pending), set(gone)
    return [
        s
        for s in steps
        if not (s["state"] == PRESENT and waiting.intersection(s.get("needs") or ()))
        and not (s["state"] == ABSENT and s.get("project") in removed)
    ]


def would_create(step: Mapping, result: Mapping) -> bool:
    """Whether a check-mode module result says the step's resource would be created (it does
    not exist yet): a would-be resource without an id, an empty ``before`` diff, or a role
    assignment that would be granted."""
    if step.get("state") != PRESENT or not result.get("changed"):
        return False
    if step.get("module") == "role_assignment":
        return True
    diff = result.get("diff")
    if isinstance(diff, Mapping) and diff.get("before") == {}:
        return True
    return any(isinstance(v, Mapping) and "id" in v and v["id"] is None for v in result.values())


def pending(
    known: Iterable[str], results: Iterable[Mapping] = (), deferred_steps: Iterable[Mapping] = ()
) -> list[str]:
    """The keys a check run would have created so far: ``known`` plus those of ``results``
    (registered loop results, each with its ``item`` step) that would create their resource,
    plus the present ``deferred_steps``."""
    out = list(known)
    for result in results:
        step = result.get("item")
        if isinstance(step, Mapping) and would_create(step, result) and step["key"] not in out:
            out.append(step["key"])
    for step in deferred_steps:
        if step["state"] == PRESENT and step["key"] not in out:
            out.append(step["key"])
    return out


def gone(wanted: Iterable[str], projects: Iterable[Mapping], domains: Iterable[Mapping]) -> list[str]:
    """Of the project keys ``wanted`` ("project <domain>/<name>"), those that do not exist, from
    identity_info's lists of projects and domains."""
    names = {d.get("id"): d.get("name") for d in domains}
    existing = set()
    for p in projects:
        domain_id = p.get("domain_id")
        for domain in (names.get(domain_id), domain_id):
            if domain:
                existing.add(f"project {domain}/{p.get('name')}")
    return [key for key in wanted if key not in existing]
