"""A private certificate authority and node certificates for TLS on HTTP and between nodes.

Generated with ``cryptography`` (already a dependency for evidence signing) rather than
``elasticsearch-certutil``: no JVM start per certificate, and PEM files that both
Elasticsearch and the Python client read. The CA key never leaves ``var/es/certs``;
each node gets its own key and a certificate naming its loopback address, so
hostname verification (``verification_mode: full``) works on HTTP and transport.
For machines of a real cluster the same code issues a certificate per machine with
that machine's address and name (docs/elasticsearch.md, "TLS").
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 825
KEY_MODE = 0o600


@dataclass(frozen=True)
class NodeCertificate:
    """PEM files of one node: its key, its certificate and the CA that signed it."""

    key: Path
    certificate: Path
    ca: Path


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, KEY_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return builder.not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=VALID_DAYS))


def ensure_ca(directory: Path, name: str = "Signaal local Elasticsearch CA") -> tuple[Path, Path]:
    """``ca.crt`` and ``ca.key`` in ``directory``, created once; returns (certificate, key)."""
    cert_path, key_path = directory / "ca.crt", directory / "ca.key"
    if cert_path.is_file() and key_path.is_file():
        return cert_path, key_path
    key = _new_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        _validity(x509.CertificateBuilder())
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # key_cert_sign, crl_sign
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _key_pem(key))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def issue_node_certificate(ca_dir: Path, out_dir: Path, name: str, addresses: list[str]) -> NodeCertificate:
    """A key and certificate for one node (server and client use: HTTP and transport), signed by the CA.

    Issued once: an existing pair in ``out_dir`` is kept (delete it to issue a new one).
    """
    result = NodeCertificate(key=out_dir / "node.key", certificate=out_dir / "node.crt", ca=out_dir / "ca.crt")
    if all(path.is_file() for path in (result.key, result.certificate, result.ca)):
        return result
    ca_cert_path, ca_key_path = ensure_ca(ca_dir)
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    key = _new_key()
    alt_names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.DNSName(name)]
    alt_names += [x509.IPAddress(ipaddress.ip_address(address)) for address in addresses]
    cert = (
        _validity(x509.CertificateBuilder())
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_private(result.key, _key_pem(key))
    result.certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    result.ca.write_bytes(ca_cert_path.read_bytes())
    return result
