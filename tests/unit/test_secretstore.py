"""Secrets: generated once, never overwritten, 0600, vault-encrypted files stay encrypted."""

from __future__ import annotations

import base64
import re
import stat
import struct
import uuid
from urllib.parse import quote

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from stackwright import paths, secretstore


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_generate_strength():
    values = {secretstore.generate() for _ in range(50)}
    assert len(values) == 50
    assert all(len(v) == 48 and v.isalnum() for v in values)
    with pytest.raises(secretstore.SecretsError):
        secretstore.generate(20)


def test_ensure_generates_missing_and_keeps_existing(tmp_path):
    path = secretstore.default_path(tmp_path)
    assert secretstore.ensure(path, ["a", "b"]) == ["a", "b"]
    assert mode(path) == 0o600
    first = yaml.safe_load(path.read_text())
    assert secretstore.ensure(path, ["a", "b"]) == []
    assert secretstore.ensure(path, ["a", "b", "c"]) == ["c"]
    second = yaml.safe_load(path.read_text())
    assert second["a"] == first["a"] and second["b"] == first["b"] and len(second["c"]) == 48


def test_ensure_tightens_a_loose_mode_without_rewriting(tmp_path):
    path = tmp_path / "s.yml"
    secretstore.ensure(path, ["a"])
    path.chmod(0o644)
    before = path.read_text()
    assert secretstore.ensure(path, ["a"]) == []
    assert mode(path) == 0o600 and path.read_text() == before


def test_operator_values_are_kept_but_weak_ones_refused(tmp_path):
    path = tmp_path / "s.yml"
    path.write_text(yaml.safe_dump({"a": "x" * 40, "b": "short"}))
    with pytest.raises(secretstore.SecretsError, match="b shorter than 40"):
        secretstore.ensure(path, ["a", "b"])
    path.write_text(yaml.safe_dump({"a": "x" * 40}))
    assert secretstore.ensure(path, ["a"]) == []
    assert yaml.safe_load(path.read_text())["a"] == "x" * 40


def test_vault_encrypted_file_stays_encrypted(tmp_path):
    vault = VaultLib([("default", VaultSecret(b"vault-password"))])
    path = tmp_path / "s.yml"
    path.write_bytes(vault.encrypt(yaml.safe_dump({"a": "y" * 44})))
    assert secretstore.ensure(path, ["a", "b"], vault) == ["b"]
    raw = path.read_bytes()
    assert raw.startswith(b"$ANSIBLE_VAULT")
    data = yaml.safe_load(vault.decrypt(raw))
    assert data["a"] == "y" * 44 and len(data["b"]) == 48
    with pytest.raises(secretstore.SecretsError, match="vault-encrypted"):
        secretstore.ensure(path, ["a"], None)


def test_registry_names_are_prefixed_by_their_service():
    for name in secretstore.REGISTRY:
        assert name.split("_")[0] in {d.name for d in (paths.REPO / "roles").iterdir()}, name


def test_secrets_of_other_kinds_have_their_format(tmp_path):
    path = secretstore.default_path(tmp_path)
    secretstore.ensure(path, ["ceph_fsid", "ceph_admin_key", "nova_service_password"])
    data = yaml.safe_load(path.read_text())
    assert str(uuid.UUID(data["ceph_fsid"])) == data["ceph_fsid"]
    raw = base64.b64decode(data["ceph_admin_key"])
    kind, _, _, length = struct.unpack("<HIIH", raw[:12])
    assert (kind, length, len(raw)) == (1, 16, 28)
    assert len(data["nova_service_password"]) == 48
    for name in ("ceph_fsid", "ceph_admin_key", "nova_service_password"):
        assert secretstore.malformed(name, data[name]) is None


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("ceph_fsid", "not-a-uuid", "not a UUID"),
        ("ceph_mon_key", "%%%", "not a cephx key (base64)"),
        ("ceph_mon_key", base64.b64encode(b"x" * 28).decode(), "not a cephx key (ceph-authtool"),
        ("nova_service_password", "short", "shorter than 40"),
    ],
)
def test_malformed_secrets_are_refused_with_their_name(tmp_path, name, value, why):
    assert secretstore.malformed(name, value).startswith(why)
    path = secretstore.default_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump({name: value}))
    with pytest.raises(secretstore.SecretsError, match=f"{name} {re.escape(why)}"):
        secretstore.ensure(path, [name])


def test_mask_hides_known_values_secret_options_and_url_passwords():
    known = "Zq8" * 16
    text = (
        "[database]\n"
        "connection = mysql+pymysql://nova:OldPassword1@172.29.236.10:3306/nova?charset=utf8\n"
        "[keystone_authtoken]\n"
        f"memcache_secret_key = {known}\n"
        "password = RotatedAway42\n"
        "key_repository = /etc/keystone/fernet-keys\n"
        "cpu_allocation_ratio = 4.0\n"
        f"note = the value {known} also here and url-quoted {known}\n"
        "clouds:\n  aio:\n    auth:\n      password: 'PlainYaml99'\n"
    )
    masked = secretstore.mask(text, [known, None, "short"])
    for secret in (known, "OldPassword1", "RotatedAway42", "PlainYaml99"):
        assert secret not in masked
    assert "connection = mysql+pymysql://nova:********@172.29.236.10:3306/nova?charset=utf8" in masked
    assert "memcache_secret_key = ********" in masked
    assert "key_repository = /etc/keystone/fernet-keys" in masked  # not a secret: kept
    assert "cpu_allocation_ratio = 4.0" in masked
    assert secretstore.mask("a short word", ["short"]) == "a short word"  # too short to mask


def test_mask_hides_url_quoted_known_values():
    known = "a/b+c=" * 8  # a cephx key's alphabet
    masked = secretstore.mask(f"url = x://u@h/?k={quote(known, safe='')}\n", [known])
    assert quote(known, safe="") not in masked and secretstore.MASK in masked
