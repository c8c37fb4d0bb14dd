"""The deployment's PKI: one CA, kept with the inventory's secrets, and server certificates.

A certificate is (re)issued when it is missing, was not signed by the current CA, does not carry
exactly the wanted names, or expires within the renewal window. Keys are written 0600.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from stackwright import contract
from stackwright.files import write_atomic
from stackwright.validator import InventoryView

CA_DAYS = 3650
CERT_DAYS = 365
RENEW_BEFORE_DAYS = 30
CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


@dataclass(frozen=True)
class CertSpec:
    name: str
    sans: tuple[str, ...]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _general_names(sans) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for san in sans:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            out.append(x509.DNSName(san))
    return out


class PKI:
    def __init__(self, directory: str | Path, ca_name: str = "stackwright CA"):
        self.dir = Path(directory)
        self.ca_name = ca_name

    @property
    def ca_cert_path(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def ca_key_path(self) -> Path:
        return self.dir / "ca.key"

    def cert_path(self, name: str) -> Path:
        return self.dir / "certs" / f"{name}.crt"

    def key_path(self, name: str) -> Path:
        return self.dir / "certs" / f"{name}.key"

    def ensure_ca(self) -> bool:
        """Create the CA once; an existing CA is never replaced (every certificate depends on it)."""
        if self.ca_cert_path.exists() and self.ca_key_path.exists():
            return False
        if self.ca_cert_path.exists() or self.ca_key_path.exists():
            raise RuntimeError(f"{self.dir}: half a CA (ca.crt or ca.key missing); restore it from backup")
        key = _new_key()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.ca_name)])
        now = _now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(CA_KEY_USAGE, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        write_atomic(self.ca_key_path, _key_pem(key), 0o600)
        write_atomic(self.ca_cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
        return True

    def _ca(self):
        key = serialization.load_pem_private_key(self.ca_key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(self.ca_cert_path.read_bytes())
        return key, cert

    def needs_issue(self, spec: CertSpec, now: dt.datetime | None = None) -> str:
        """Why SPEC's certificate must be (re)issued, or '' when it is fine."""
        cert_path, key_path = self.cert_path(spec.name), self.key_path(spec.name)
        if not cert_path.exists() or not key_path.exists():
            return "missing"
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        _, ca_cert = self._ca()
        try:
            cert.verify_directly_issued_by(ca_cert)
            signed = True
        except (ValueError, TypeError, InvalidSignature):
            signed = False
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        checks = [
            (not signed, "signed by another CA"),
            (cert.public_key().public_numbers() != key.public_key().public_numbers(), "key does not match"),
            (set(sans) != set(_general_names(spec.sans)), "names changed"),
            (
                cert.not_valid_after_utc - (now or _now()) < dt.timedelta(days=RENEW_BEFORE_DAYS),
                "expires soon",
            ),
        ]
        return next((why for failed, why in checks if failed), "")

    def issue(self, spec: CertSpec, days: int = CERT_DAYS) -> None:
        ca_key, ca_cert = self._ca()
        key = _new_key()
        now = _now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, spec.sans[0])]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(_general_names(spec.sans)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        write_atomic(self.key_path(spec.name), _key_pem(key), 0o600)
        write_atomic(self.cert_path(spec.name), cert.public_bytes(serialization.Encoding.PEM), 0o644)

    def ensure(self, specs: list[CertSpec]) -> dict[str, str]:
        """CA plus every certificate; returns {name: why} for what was (re)issued."""
        issued = {}
        if self.ensure_ca():
            issued["ca"] = "created"
        for spec in specs:
            why = self.needs_issue(spec)
            if why:
                self.issue(spec)
                issued[spec.name] = why
        return issued


def plan(view: InventoryView, domain: str = "") -> list[CertSpec]:
    """A certificate per host (its names and addresses) and one for the VIPs."""
    specs = []
    for host in view.hosts:
        hv = view.hostvars[host]
        names = [host] + ([f"{host}.{domain}"] if domain else [])
        addresses = [
            str(hv[contract.address_var(n)]) for n in contract.NETWORKS if hv.get(contract.address_var(n))
        ]
        specs.append(CertSpec(host, tuple(dict.fromkeys(names + addresses))))
    vips = [str(view.shared(v)) for v in contract.VIPS if view.shared(v)]
    if vips:
        vip_names = [f"api.{domain}", f"api-int.{domain}"] if domain else []
        specs.append(CertSpec("vip", tuple(dict.fromkeys(vip_names + vips))))
    return specs
