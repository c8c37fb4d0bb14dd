"""The deployment's secrets: generated once into the inventory's secrets file, never overwritten.

The file is YAML, mode 0600, optionally vault-encrypted (it stays encrypted when secrets are
added). Nothing here returns or logs a secret value; callers get the names only.
"""

from __future__ import annotations

import base64
import re
import secrets
import string
import struct
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import yaml

from stackwright.files import write_atomic

MIN_LENGTH = 40
LENGTH = 48
# Letters and digits only: safe unquoted in every config format and URL the services use.
ALPHABET = string.ascii_letters + string.digits

# Every secret the deployment needs, and what it protects. Roles read them by these names.
REGISTRY: dict[str, str] = {
    "mariadb_admin_password": "MariaDB administrative user for remote management (e.g. through the VIP)",
    "rabbitmq_erlang_cookie": "shared secret of the RabbitMQ cluster nodes",
    "rabbitmq_admin_password": "RabbitMQ administrative user",
    "memcached_secret_key": "key protecting cached tokens in memcached (keystonemiddleware)",
    "haproxy_stats_password": "haproxy statistics page on the management network",
    "keystone_admin_password": "the cloud administrator (user admin in project admin)",
    "keystone_database_password": "keystone's MariaDB account",
    "glance_database_password": "glance's MariaDB account",
    "glance_service_password": "glance's keystone service user",
    "placement_database_password": "placement's MariaDB account",
    "placement_service_password": "placement's keystone service user",
    "heat_database_password": "heat's MariaDB account",
    "heat_service_password": "heat's keystone service user (also the trustee of stack owners' trusts)",
    "heat_rabbitmq_password": "heat's RabbitMQ user",
    "heat_domain_admin_password": "administrator of heat's stack user domain",
    "heat_auth_encryption_key": "key of the credentials heat stores (heat uses its first 32 characters)",
    "horizon_secret_key": "Django's SECRET_KEY of the dashboard (signs sessions and CSRF tokens)",
    "nova_database_password": "nova's MariaDB account (nova, nova_api and nova_cell0 databases)",
    "nova_service_password": "nova's keystone service user",
    "nova_rabbitmq_password": "nova's RabbitMQ user",
    "nova_metadata_secret": "shared secret signing metadata requests between neutron and nova",
    "neutron_database_password": "neutron's MariaDB account",
    "neutron_service_password": "neutron's keystone service user",
    "neutron_rabbitmq_password": "neutron's RabbitMQ user",
    "cinder_database_password": "cinder's MariaDB account",
    "cinder_service_password": "cinder's keystone service user",
    "cinder_rabbitmq_password": "cinder's RabbitMQ user",
    "ceph_fsid": "the Ceph cluster's id (a UUID; not secret, but fixed for the cluster's life)",
    "ceph_mon_key": "cephx key shared by the Ceph monitors (mon.)",
    "ceph_admin_key": "cephx key of the Ceph administrator (client.admin)",
    "ceph_cinder_key": "cephx key of client.cinder (cinder-volume, and QEMU through libvirt)",
    "ceph_cinder_secret_uuid": "UUID of the libvirt secret holding client.cinder's key on compute hosts",
}

# Secrets that are not passwords, by their format; every other secret is a password.
KINDS: dict[str, str] = {
    "ceph_fsid": "uuid",
    "ceph_cinder_secret_uuid": "uuid",
    "ceph_mon_key": "cephx",
    "ceph_admin_key": "cephx",
    "ceph_cinder_key": "cephx",
}

FILENAME = "secrets.yml"


class SecretsError(Exception):
    pass


def generate(length: int = LENGTH) -> str:
    if length < MIN_LENGTH:
        raise SecretsError(f"secrets must be at least {MIN_LENGTH} characters, not {length}")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def cephx_key() -> str:
    """A cephx secret as ceph-authtool --gen-print-key writes it: base64 of the key type (1, AES),
    the creation time (seconds, nanoseconds), the length (16) and 16 random bytes."""
    now = time.time_ns()
    header = struct.pack("<HIIH", 1, now // 10**9, now % 10**9, 16)
    return base64.b64encode(header + secrets.token_bytes(16)).decode()


def generate_for(name: str, length: int = LENGTH) -> str:
    kind = KINDS.get(name, "password")
    if kind == "uuid":
        return str(uuid.uuid4())
    if kind == "cephx":
        return cephx_key()
    return generate(length)


def _cephx_problem(text: str) -> str | None:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return "not a cephx key (base64)"
    if len(raw) != 28 or struct.unpack("<H", raw[:2])[0] != 1 or struct.unpack("<H", raw[10:12])[0] != 16:
        return "not a cephx key (ceph-authtool --gen-print-key makes one)"
    return None


def _uuid_problem(text: str) -> str | None:
    try:
        uuid.UUID(text)
    except ValueError:
        return "not a UUID"
    return None


def _password_problem(text: str) -> str | None:
    return f"shorter than {MIN_LENGTH} characters" if len(text) < MIN_LENGTH else None


def malformed(name: str, value) -> str | None:
    """Why VALUE cannot be the secret NAME, or None."""
    check = {"uuid": _uuid_problem, "cephx": _cephx_problem}.get(KINDS.get(name, ""), _password_problem)
    return check(str(value))


def default_path(inventory_dir: str | Path) -> Path:
    return Path(inventory_dir) / "group_vars" / "all" / FILENAME


def _vault_header(raw: bytes) -> bool:
    return raw.lstrip().startswith(b"$ANSIBLE_VAULT")


def read(path: Path, vault=None) -> tuple[dict, bool]:
    """The secrets in PATH and whether the file is vault-encrypted."""
    if not path.exists():
        return {}, False
    raw = path.read_bytes()
    encrypted = _vault_header(raw)
    if encrypted:
        if vault is None:
            raise SecretsError(f"{path} is vault-encrypted: give ansible the vault password")
        raw = vault.decrypt(raw)
    data = yaml.safe_load(raw) or {}
    if not isinstance(data, dict):
        raise SecretsError(f"{path} must hold a mapping of secret names to values")
    return data, encrypted


def ensure(path: Path, names: list[str], vault=None, length: int = LENGTH) -> list[str]:
    """Add every missing secret of NAMES to PATH; return the names generated (values never)."""
    path = Path(path)
    data, encrypted = read(path, vault)
    missing = [n for n in names if data.get(n) in (None, "")]
    bad = sorted((n, why) for n in names if n not in missing and (why := malformed(n, data[n])))
    if bad:
        raise SecretsError(
            f"{path}: {'; '.join(f'{n} {why}' for n, why in bad)}; "
            "remove them from the file to have them generated anew"
        )
    mode_ok = path.exists() and (path.stat().st_mode & 0o777) == 0o600
    if not missing:
        if path.exists() and not mode_ok:
            path.chmod(0o600)
        return []
    for name in missing:
        data[name] = generate_for(name, length)
    text = "---\n# Generated by stackwright; keep private (0600), or encrypt with ansible-vault.\n"
    text += yaml.safe_dump(dict(sorted(data.items())), default_flow_style=False)
    payload = vault.encrypt(text) if encrypted else text.encode()
    write_atomic(path, payload, 0o600)
    return missing


MASK = "********"
# Option names whose values are secrets whatever they hold (an old password a rotation replaced
# is no longer among the known values): ini `name = value`, YAML/JSON `name: value`.
_SECRET_OPTION = re.compile(
    r"""^(?P<lead>\s*["']?[\w.-]*(?:password|passwd|secret|token|key)["']?\s*[=:][ \t]*)"""
    r"(?P<value>\S.*?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# The password in a URL's user information: scheme://user:password@host
_URL_PASSWORD = re.compile(r"(?P<lead>[a-z][\w+.-]*://[^:/@\s]*:)(?P<value>[^@\s/]+)(?=@)", re.IGNORECASE)
_SHORTEST_MASKED = 8  # shorter known values would mask ordinary words


def mask(text: str, values=()) -> str:
    """TEXT with every secret masked: the known VALUES wherever they occur (also URL-quoted), the
    values of options named like secrets, and the passwords of URLs. For diffs an operator reads."""
    known = {str(v) for v in values if v is not None and len(str(v)) >= _SHORTEST_MASKED}
    known |= {quote(v, safe="") for v in known}
    for value in sorted(known, key=len, reverse=True):
        text = text.replace(value, MASK)
    text = _URL_PASSWORD.sub(lambda m: m["lead"] + MASK, text)
    return _SECRET_OPTION.sub(lambda m: m["lead"] + MASK, text)
