"""Redaction of secrets and card numbers in text: what `base.logs` runs on every log line.

`redact(text)` replaces, in this order:

- API keys `bgk_<8 hex>_<secret>` → `bgk_<8 hex>_[REDACTED]` (the public prefix stays, so an
  operator can still tell which key it was); anything else starting `bgk_` → `bgk_[REDACTED]`;
- JWTs (three base64url segments, the first starting `eyJ`) → `[REDACTED_JWT]`;
- Stripe webhook secrets `whsec_…` → `whsec_[REDACTED]`;
- Stripe secret and restricted keys `sk_live_…`, `sk_test_…`, `rk_live_…`, `rk_test_…` →
  `sk_test_[REDACTED]` (the mode stays);
- Stripe client secrets `pi_…_secret_…`, `seti_…_secret_…` → `pi_…_secret_[REDACTED]`;
- the credentials of `Authorization: Bearer …`/`Basic …` (and of a bare `Bearer …`) →
  `Bearer [REDACTED]`;
- `name=value` where the name ends in secret, password or api_key, and the password of
  a `scheme://user:password@host` URL → `[REDACTED]`;
- any run of 13 to 19 digits (single spaces or dashes allowed between digit groups), not
  starting with 0, that passes the Luhn check → `[REDACTED_PAN]` (see `card_number_spans`).

`redact_value` does the same through dicts, lists and tuples, and redacts the whole
value of a key that names a secret (`authorization`, `password`, `*_secret`, `*_token`…).
Pure functions, no I/O: `base.logs` turns them into a structlog processor.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final

REDACTED: Final = "[REDACTED]"
REDACTED_JWT: Final = "[REDACTED_JWT]"
REDACTED_PAN: Final = "[REDACTED_PAN]"

_API_KEY = re.compile(r"(?<![A-Za-z0-9])bgk_[A-Za-z0-9_-]+")
_API_KEY_PUBLIC = re.compile(r"bgk_[0-9a-f]{8}")
_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
_WEBHOOK_SECRET = re.compile(r"(?<![A-Za-z0-9])whsec_[A-Za-z0-9+/=_-]+")
_STRIPE_KEY = re.compile(r"(?<![A-Za-z0-9])((?:sk|rk)_(?:live|test))_[A-Za-z0-9_]+")
_CLIENT_SECRET = re.compile(r"(?<![A-Za-z0-9])((?:pi|seti)_[A-Za-z0-9]+_secret)_[A-Za-z0-9]+")
_AUTHORIZATION = re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic)\s+)([^\s\"',;<>]+)")
_BEARER = re.compile(r"(?i)(\bbearer\s+)([A-Za-z0-9._~+/=-]{8,})(?![\[\w])")
_NAMED_SECRET = re.compile(
    # `name=value`, `name: value`, `"name": "value"`; not `api_key:<id>` (a principal's ledger scope).
    r"(?i)(\b[\w-]*(?:secret|password|passwd|api_key|apikey)[\"']?(?:\s*=|\s*:(?=[\s\"']))\s*[\"']?)"
    r"([^\s\"',;}\]\[]+)"
)
_URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^:/\s@]*:)([^@\s/]+)(@)")
_DIGIT_RUN = re.compile(r"(?<![\w-])(?<!\d\.)(?>\d(?:[ -]?\d)*)(?![\w]|-\w|\.\d)")
"""A whole numeric token: digits, single spaces or dashes between them, no letter or dash-word around it,
and not either side of a decimal point (`23.709466999662254` is a measurement, not a card)."""
_MAYBE_SECRET_WORDS: Final = (
    "bgk_", "eyj", "whsec_", "sk_", "rk_", "secret", "passw", "apikey", "api_key", "authorization", "bearer", "://",
)  # fmt: skip
_MAYBE_PAN = re.compile(r"\d[\d -]{11,}\d")
"""With `_MAYBE_SECRET_WORDS`, what every pattern below needs (a superset): text without any is returned as
is, unscanned. Most of a log line's values (levels, paths, ids, numbers) have none; the nine substitutions
and the card scan cost about 25 µs per value. Substring tests on the casefolded text (casefold, unlike
lower, folds what `(?i)` folds, e.g. the long s to `s`) and one digit-run regex are ~4x cheaper than one
case-insensitive alternation, which the access line paid on every request (bench/changes.md)."""


def may_hold_secret(text: str) -> bool:
    """False only when `text` cannot hold anything `redact` replaces (a cheap superset test)."""
    folded = text.casefold()
    for word in _MAYBE_SECRET_WORDS:  # a plain loop: `any()` over a generator costs twice as much here
        if word in folded:
            return True
    return len(text) >= PAN_MIN_DIGITS and _MAYBE_PAN.search(text) is not None


PAN_MIN_DIGITS: Final = 13
PAN_MAX_DIGITS: Final = 19
_MAX_PAN_GROUP: Final = 6
"""Printed card numbers come in groups of 4 to 6 digits (4-4-4-4, 4-6-5) or as one run."""

_SECRET_KEY_NAMES: Final = frozenset(
    {"authorization", "cookie", "set-cookie", "password", "passwd", "secret", "token", "api_key", "apikey"}
)
_SECRET_KEY_SUFFIXES: Final = ("_secret", "_password", "_token", "_api_key", "-secret", "-token")


def luhn_valid(digits: str) -> bool:
    """True when `digits` (digits only) passes the Luhn check."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _api_key(match: re.Match[str]) -> str:
    text = match.group(0)
    if text.endswith("_") and match.string.startswith("[REDACTED", match.end()):
        return text  # already redacted: `bgk_<id>_[REDACTED]`
    public = _API_KEY_PUBLIC.match(text)
    if public is not None and len(text) == public.end():
        return text  # only the public prefix: not a secret
    if public is not None and text[public.end()] == "_":
        return f"{public.group(0)}_{REDACTED}"
    return f"bgk_{REDACTED}"


def card_number_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` holds a Luhn-valid card number of 13 to 19 digits: (start, end) offsets.

    A candidate is a whole numeric token (not part of a word, an id or a longer number),
    or a stretch of its space- or dash-separated groups: either one group of 13 to 19
    digits, or several groups of at most 6 digits each (so the 8-4-4-4-12 groups of a
    UUID, or a date and a time, never pass for a card). A card number never starts with 0
    (no issuer has major industry identifier 0), so `0000000000000` is not one.
    """
    spans: list[tuple[int, int]] = []
    for run in _DIGIT_RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start()) for m in re.finditer(r"\d+", run.group(0))]
        index = 0
        while index < len(groups):
            found = None
            digits = ""
            for last in range(index, len(groups)):
                start, end = groups[last]
                if last > index and max(end - start, groups[index][1] - groups[index][0]) > _MAX_PAN_GROUP:
                    break
                digits += text[start:end]
                if len(digits) > PAN_MAX_DIGITS:
                    break
                if len(digits) >= PAN_MIN_DIGITS and digits[0] != "0" and luhn_valid(digits):
                    found = last
            if found is None:
                index += 1
                continue
            spans.append((groups[index][0], groups[found][1]))
            index = found + 1
    return spans


def _redact_cards(text: str) -> str:
    spans = card_number_spans(text)
    for start, end in reversed(spans):
        text = f"{text[:start]}{REDACTED_PAN}{text[end:]}"
    return text


def _named_secret(match: re.Match[str]) -> str:
    if match.string.startswith("[", match.end()):
        return match.group(0)  # the value is already partly redacted (`whsec_[REDACTED]`)
    return f"{match.group(1)}{REDACTED}"


def redact(text: str) -> str:
    """`text` with every secret and card number replaced (see the module docstring)."""
    if not text or not may_hold_secret(text):
        return text
    text = _API_KEY.sub(_api_key, text)
    text = _JWT.sub(REDACTED_JWT, text)
    text = _WEBHOOK_SECRET.sub(f"whsec_{REDACTED}", text)
    text = _STRIPE_KEY.sub(rf"\1_{REDACTED}", text)
    text = _CLIENT_SECRET.sub(rf"\1_{REDACTED}", text)
    text = _AUTHORIZATION.sub(lambda m: m.group(0) if "[REDACTED" in m.group(2) else f"{m.group(1)}{REDACTED}", text)
    text = _BEARER.sub(rf"\1{REDACTED}", text)
    text = _NAMED_SECRET.sub(_named_secret, text)
    text = _URL_PASSWORD.sub(rf"\1{REDACTED}\3", text)
    return _redact_cards(text)


@functools.lru_cache(maxsize=4096)
def is_secret_key(name: str) -> bool:
    """True for a mapping key whose value is a credential as a whole (`authorization`, `client_secret`…)."""
    lowered = name.lower()
    return lowered in _SECRET_KEY_NAMES or lowered.endswith(_SECRET_KEY_SUFFIXES)


def redact_value(value: Any) -> Any:
    """`value` with `redact` applied to every string in it, through dicts, lists and tuples.

    The value of a key naming a credential (`is_secret_key`) is replaced whole. Other
    objects (numbers, exceptions…) are returned as they are: their rendering is redacted
    by the caller's final pass over the rendered text.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {
            key: (REDACTED if isinstance(key, str) and is_secret_key(key) and item else redact_value(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, tuple):
        return tuple(redact_value(item) for item in value)
    return value
