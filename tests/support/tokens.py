"""Forged JWTs for tests: a tampered signature that is certain to differ from the real one."""

from __future__ import annotations

import jwt


def with_tampered_signature(token: str) -> str:
    """`token` with one bit of its decoded signature flipped, re-encoded.

    Editing the base64 text instead (`signature[:-2] + "AA"`) is not a forgery about one time in
    1,000: the last character carries spare bits, so the edit may decode to the very same bytes.
    """
    header, payload, signature = token.split(".")
    raw = bytearray(jwt.utils.base64url_decode(signature))  # type: ignore[attr-defined]
    raw[0] ^= 0x01
    forged = jwt.utils.base64url_encode(bytes(raw)).decode()  # type: ignore[attr-defined]
    return f"{header}.{payload}.{forged}"
