"""The installation's Ed25519 key, manifest signatures and RFC 3161 timestamps.

The private key is generated on first use under ``var/keys`` (``SIGNAAL_KEY_DIR``)
with mode 0600; the public key next to it is what a court or colleague needs to
check a manifest (checking lives in ``signaal.evidence.seal``, shared by every
reader). A timestamp authority (``SIGNAAL_TSA_URL``) adds proof of *when* a
manifest existed; without network the request is kept (``.tsq``) so it can be
stamped later.
"""

from __future__ import annotations

import base64
import logging
import os
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

from signaal.evidence.seal import PRIVATE_NAME, PUBLIC_NAME, SigningKeyError, key_dir

log = logging.getLogger(__name__)


def generate_key(directory: Path | None = None, *, force: bool = False) -> Path:
    """Create the key pair; refuses to overwrite one unless ``force`` (old manifests need the old key)."""
    directory = directory or key_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_path = directory / PRIVATE_NAME
    if private_path.exists() and not force:
        raise FileExistsError(f"{private_path} exists; old manifests are signed with it")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = private_path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    tmp.replace(private_path)
    (directory / PUBLIC_NAME).write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return private_path


def load_private_key(directory: Path | None = None) -> Ed25519PrivateKey:
    """The installation key, generated on first use."""
    directory = directory or key_dir()
    path = directory / PRIVATE_NAME
    if not path.exists():
        generate_key(directory)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key")
    return key


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """Base64 signature text (what goes into the ``.sig`` file)."""
    return base64.b64encode(key.sign(data)) + b"\n"


def timestamp_request(data: bytes) -> bytes:
    """DER RFC 3161 TimeStampReq over SHA-256 of ``data`` (with a nonce, asking for the TSA cert)."""

    req = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).nonce(nonce=True)
    return req.cert_request(cert_request=True).build().as_bytes()


def request_timestamp(tsa_url: str, data: bytes, out_base: Path, timeout: float = 10.0) -> Path:
    """Ask the TSA for a token; write ``.tsr`` on success, else keep the ``.tsq`` and raise."""

    query = timestamp_request(data)
    tsq = out_base.with_name(out_base.name + ".tsq")
    tsq.write_bytes(query)
    resp = httpx.post(tsa_url, content=query, headers={"Content-Type": "application/timestamp-query"}, timeout=timeout)
    resp.raise_for_status()
    token = decode_timestamp_response(resp.content)
    if token.status not in (0, 1):
        raise RuntimeError(f"TSA refused the request (status {token.status})")
    tsr = out_base.with_name(out_base.name + ".tsr")
    tsr.write_bytes(resp.content)
    tsq.unlink()
    return tsr
