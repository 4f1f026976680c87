"""What seals a WARC file, and how a seal is checked: manifest naming, digest labels, the public key.

A sealed file ``X.warc.gz`` has a JSON manifest ``X.warc.gz.manifest.json`` (file SHA-256, size, and
every record's id, offset, length and block digest) and its Ed25519 signature ``...manifest.json.sig``.
The private key and signing stay with the crawler (``crawler.evidence.signing``); checking needs only
the public key, which is what a court or a colleague gets.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from signaal.paths import var_dir

MANIFEST_FORMAT = "signaal-warc-manifest/1"
MANIFEST_SUFFIX = ".manifest.json"
SIG_SUFFIX = ".sig"
INDEX_SUFFIX = ".records.part"
PRIVATE_NAME = "evidence-ed25519.pem"
PUBLIC_NAME = "evidence-ed25519.pub.pem"


class SigningKeyError(RuntimeError):
    """The signing key is missing or unreadable."""


def key_dir() -> Path:
    """Where the installation's key pair lives (``SIGNAAL_KEY_DIR``, default ``var/keys``)."""
    return Path(os.environ.get("SIGNAAL_KEY_DIR") or var_dir() / "keys")


def manifest_path(warc: Path) -> Path:
    return warc.with_name(warc.name + MANIFEST_SUFFIX)


def signature_path(warc: Path) -> Path:
    manifest = manifest_path(warc)
    return manifest.with_name(manifest.name + SIG_SUFFIX)


def index_path(warc: Path) -> Path:
    """Side file with one JSON line per record of a WARC file the crawler is still writing; it is
    spliced into the manifest and removed when the file is sealed.

    Its presence is how a check tells "not sealed yet" (a crawl is writing the file) from "the seal
    was removed". Kept on disk rather than in a list: a 100 MB file holds ~60,000 small records, and
    their index made the crawler's memory climb until each rotation."""
    return warc.with_name(warc.name + INDEX_SUFFIX)


def sha256_label(data: bytes) -> str:
    """The ``WARC-Block-Digest`` / ``WARC-Payload-Digest`` spelling of SHA-256: ``sha256:<base32>``."""
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode()


def load_public_key(path: Path | None = None) -> Ed25519PublicKey:
    path = path or key_dir() / PUBLIC_NAME
    if not path.exists():
        raise SigningKeyError(f"public key {path} not found")
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path} is not an Ed25519 public key")
    return key


def public_key_info(key: Ed25519PublicKey) -> dict[str, str]:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "algorithm": "ed25519",
        "public_key": base64.b64encode(raw).decode(),
        "fingerprint": hashlib.sha256(raw).hexdigest()[:16],
    }


def verify_signature(key: Ed25519PublicKey, data: bytes, signature_text: bytes) -> bool:
    try:
        key.verify(base64.b64decode(signature_text.strip(), validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
