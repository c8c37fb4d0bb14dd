"""PKI: CA once, certificates reissued only when they must be, keys 0600."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from cryptography import x509

from stackwright import pki
from stackwright.validator import InventoryView

SPEC = pki.CertSpec("ctl1", ("ctl1", "ctl1.example.test", "10.0.0.11"))


def test_ca_is_created_once_and_certificates_only_when_needed(tmp_path):
    store = pki.PKI(tmp_path)
    assert store.ensure([SPEC]) == {"ca": "created", "ctl1": "missing"}
    assert stat.S_IMODE(store.ca_key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.key_path("ctl1").stat().st_mode) == 0o600
    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert store.ensure([SPEC]) == {}
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == files


def test_certificate_carries_names_and_verifies_against_the_ca(tmp_path):
    store = pki.PKI(tmp_path)
    store.ensure([SPEC])
    cert = x509.load_pem_x509_certificate(store.cert_path("ctl1").read_bytes())
    ca = x509.load_pem_x509_certificate(store.ca_cert_path.read_bytes())
    cert.verify_directly_issued_by(ca)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["ctl1", "ctl1.example.test"]
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["10.0.0.11"]


def test_reissue_reasons(tmp_path):
    store = pki.PKI(tmp_path)
    store.ensure([SPEC])
    moved = pki.CertSpec("ctl1", ("ctl1", "10.0.0.99"))
    assert store.needs_issue(moved) == "names changed"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=pki.CERT_DAYS - pki.RENEW_BEFORE_DAYS + 1)
    assert store.needs_issue(SPEC, now=later) == "expires soon"
    # A certificate from another CA (e.g. a restored old one) is replaced.
    other = pki.PKI(tmp_path / "other")
    other.ensure([SPEC])
    store.cert_path("ctl1").write_bytes(other.cert_path("ctl1").read_bytes())
    assert store.needs_issue(SPEC) == "signed by another CA"
    store.key_path("ctl1").write_bytes(other.key_path("ctl1").read_bytes())
    store.cert_path("ctl1").unlink()
    assert store.needs_issue(SPEC) == "missing"


def test_half_a_ca_is_refused(tmp_path):
    store = pki.PKI(tmp_path)
    store.ensure_ca()
    store.ca_key_path.unlink()
    with pytest.raises(RuntimeError, match="half a CA"):
        store.ensure_ca()


def test_plan_from_inventory():
    view = InventoryView(
        groups={"all": {"a"}},
        hostvars={
            "a": {
                "management_address": "10.0.0.11",
                "storage_address": "10.0.2.11",
                "internal_vip_address": "10.0.0.10",
                "external_vip_address": "10.0.3.10",
            }
        },
    )
    specs = {s.name: s.sans for s in pki.plan(view, "example.test")}
    assert specs["a"] == ("a", "a.example.test", "10.0.0.11", "10.0.2.11")
    assert specs["vip"] == ("api.example.test", "api-int.example.test", "10.0.0.10", "10.0.3.10")
