"""Passwords: argon2id hashing with configurable cost, rehash on login, and the policy for new ones.

Policy (ASVS 5.0 V6.2): a minimum length, no composition rules, a check against the
30,000 most common passwords that zxcvbn ships (``zxcvbn.frequency_lists``, from the
xato.net corpus, MIT licence), and zxcvbn's strength estimate with the user's name and
this system's own words (``data/password_context.txt``) as known inputs, so
"Signaal2026!" does not pass, and no password containing the user name.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from triage_ui.config import UISettings
from triage_ui.data import DATA_DIR

MAX_LENGTH = 1024  # ASVS 6.2.9 asks for at least 64; argon2 is fed at most this much
ZXCVBN_MAX = 72  # zxcvbn refuses longer input; a longer passphrase is judged by its first 72 characters


class WeakPasswordError(ValueError):
    """A new password that the policy refuses (the message says why)."""


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


@cache
def context_words() -> tuple[str, ...]:
    lines = (DATA_DIR / "password_context.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


class Passwords:
    """Hashing and policy for one set of parameters (``passwords_for(settings)`` builds it once)."""

    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int, min_length: int, min_score: int) -> None:
        self.min_length = min_length
        self.min_score = min_score
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        # Verified against when the user does not exist, so timing does not reveal valid names.
        self._dummy = self._hasher.hash("signaal-no-such-user")

    def check_policy(self, password: str, user: str = "") -> None:
        """Raise ``WeakPasswordError`` for a password the policy refuses."""
        if len(password) < self.min_length:
            raise WeakPasswordError(f"password must be at least {self.min_length} characters")
        if len(password) > MAX_LENGTH:
            raise WeakPasswordError(f"password must be at most {MAX_LENGTH} characters")
        folded = password.strip().lower()
        if folded in common_passwords():
            raise WeakPasswordError("this password is on the list of commonly used passwords; choose another")
        if user and user.lower() in folded:
            raise WeakPasswordError("the password must not contain the user name")
        if zxcvbn(password[:ZXCVBN_MAX], user_inputs=[user, *context_words()])["score"] < self.min_score:
            raise WeakPasswordError("this password is too easy to guess; a few unrelated words work well")

    def hash(self, password: str, user: str = "") -> str:
        """Hash a *new* password after checking the policy."""
        self.check_policy(password, user)
        return self._hasher.hash(password)

    def hash_secret(self, secret: str) -> str:
        """Hash a generated secret (a recovery code): no policy, same argon2 parameters."""
        return self._hasher.hash(secret)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; always spends one argon2 verification."""
        try:
            return self._hasher.verify(password_hash or self._dummy, password[:MAX_LENGTH]) and bool(password_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other argon2 parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True


@cache
def _passwords(time_cost: int, memory_kib: int, parallelism: int, min_length: int, min_score: int) -> Passwords:
    return Passwords(
        time_cost=time_cost, memory_kib=memory_kib, parallelism=parallelism, min_length=min_length, min_score=min_score
    )


def passwords_for(settings: UISettings) -> Passwords:
    """The ``Passwords`` of these settings, built once per parameter set (it hashes a dummy password)."""
    return _passwords(
        settings.argon2_time_cost,
        settings.argon2_memory_kib,
        settings.argon2_parallelism,
        settings.password_min_length,
        settings.password_min_score,
    )
