"""Personal data at rest and on screen: encrypted, findable by a keyed hash, masked when shown.

ID numbers and phones of rural workers are protected by the personal information law. They
are stored encrypted with Fernet (AES-128-CBC + HMAC); settings.PERSONAL_DATA_KEYS lists the
keys, the first encrypts and all decrypt, so a key is rotated by putting a new one first and
running `shanhai personal_data rotate`. Exact lookup and de-duplication use an HMAC-SHA256 of
the normalised value with settings.PERSONAL_DATA_HASH_KEY, so the database never holds a
plain value to compare with.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    keys = tuple(settings.PERSONAL_DATA_KEYS)
    if not keys:
        raise RuntimeError("settings.PERSONAL_DATA_KEYS is empty: personal data cannot be stored")
    return _fernet_for(keys)


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def reset_keys() -> None:
    """Forget the prepared keys (they are also re-read whenever the settings change)."""
    _fernet_for.cache_clear()


def encrypt(value: str) -> str:
    """Return *value* encrypted with the current key ("" stays "")."""
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Return the plain value of *token*; raise ValueError if no key opens it."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("personal data cannot be decrypted with the configured keys") from error


def rotate(token: str) -> str:
    """Return *token* re-encrypted with the current (first) key."""
    if not token:
        return ""
    return _fernet().rotate(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """A keyed hash of *value* for exact lookup; "" for no value."""
    if not value:
        return ""
    key = settings.PERSONAL_DATA_HASH_KEY.encode()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """4305**********1234: the province and county, and the last four."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678; a landline keeps its area code and last four."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张**: the family name only."""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else ""
