"""Customer session tokens: issue, verify, and every way a token is refused (revocation: real PostgreSQL)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import pytest_asyncio

from base.principals import AuthenticationError
from base.settings import Settings
from billing.authentication import authenticate_bearer
from billing.revocations import revocations
from billing.session_tokens import (
    ALGORITHM,
    ISSUER,
    TOKEN_TYPE,
    SessionClaims,
    issue_session_token,
    new_session_claims,
    sign_session_claims,
    verify_session_token,
)
from models import ApiKey, CustomerSession
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.tokens import with_tampered_signature

SECRET = "unit-test-secret-of-at-least-32-bytes"
SETTINGS = Settings(gateway_secret=SECRET, _env_file=None)  # type: ignore[call-arg]
KEY_ID = str(uuid.uuid4())


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[None]:
    async with tortoise_on(await pg_database_factory("sessions")):
        yield


def claims(customer_id: uuid.UUID, **overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    base: dict[str, object] = {
        "sub": str(customer_id),
        "jti": "j1",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "typ": TOKEN_TYPE,
        "iss": ISSUER,
        "minted_by": KEY_ID,
    }
    base.update(overrides)
    return base


def test_issue_then_verify_gives_a_session_principal() -> None:
    customer_id = uuid.uuid4()
    token, expires_at = issue_session_token(SETTINGS, customer_id, 600, KEY_ID)
    assert timedelta(seconds=595) < expires_at - datetime.now(UTC) <= timedelta(seconds=600)
    principal = verify_session_token(SETTINGS, token)
    assert principal.kind == "customer_session"
    assert principal.customer_id == customer_id
    assert principal.scopes == frozenset()
    assert principal.ledger_scope == f"customer_session:{principal.id}"
    assert principal.minted_by == KEY_ID and principal.expires_at == int(expires_at.timestamp())
    # Each token is its own session: a new jti, so idempotency keys do not cross sessions.
    other = verify_session_token(SETTINGS, issue_session_token(SETTINGS, customer_id, 600, KEY_ID)[0])
    assert other.id != principal.id


def test_the_token_carries_the_documented_claims() -> None:
    customer_id = uuid.uuid4()
    token, _ = issue_session_token(SETTINGS, customer_id, 60, KEY_ID)
    decoded = jwt.decode(token, SECRET, algorithms=[ALGORITHM], issuer=ISSUER)
    assert decoded["sub"] == str(customer_id)
    assert decoded["typ"] == "customer_session"
    assert decoded["iss"] == "billing-gateway"
    assert decoded["exp"] - decoded["iat"] == 60
    assert decoded["minted_by"] == KEY_ID
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_an_expired_token_is_refused() -> None:
    past = datetime.now(UTC) - timedelta(minutes=10)
    token = jwt.encode(
        claims(uuid.uuid4(), iat=int(past.timestamp()), exp=int((past + timedelta(minutes=1)).timestamp())),
        SECRET,
        algorithm=ALGORITHM,
    )
    with pytest.raises(AuthenticationError, match="expired"):
        verify_session_token(SETTINGS, token)


def test_a_tampered_token_is_refused() -> None:
    token, _ = issue_session_token(SETTINGS, uuid.uuid4(), 600, KEY_ID)
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(  # type: ignore[attr-defined]
        jwt.utils.base64url_decode(payload).replace(b'"sub":"', b'"sub":"0')  # type: ignore[attr-defined]
    ).decode()
    for forged in (f"{header}.{forged_payload}.{signature}", with_tampered_signature(token), token[:-5]):
        with pytest.raises(AuthenticationError):
            verify_session_token(SETTINGS, forged)


def test_a_tampered_signature_is_refused_even_where_editing_its_text_would_not_change_it() -> None:
    # About one token in 1,000 ends its signature in "A" + one of "ABCD": replacing the last two
    # characters with "AA" then decodes to the same bytes (base64's spare bits), so it is no forgery.
    for _ in range(100_000):
        token, _ = issue_session_token(SETTINGS, uuid.uuid4(), 600, KEY_ID)
        header, payload, signature = token.split(".")
        if signature[-2] == "A" and signature[-1] in "ABCD":
            break
    else:
        pytest.fail("no token with such a signature in 100,000 tries")
    verify_session_token(SETTINGS, f"{header}.{payload}.{signature[:-2]}AA")  # the old "forgery" passes
    with pytest.raises(AuthenticationError):
        verify_session_token(SETTINGS, with_tampered_signature(token))


def test_a_token_signed_with_another_secret_is_refused() -> None:
    other = Settings(gateway_secret="another-secret-of-at-least-32-bytes-too", _env_file=None)  # type: ignore[call-arg]
    token, _ = issue_session_token(other, uuid.uuid4(), 600, KEY_ID)
    with pytest.raises(AuthenticationError, match="invalid"):
        verify_session_token(SETTINGS, token)


@pytest.mark.parametrize(
    "overrides",
    [{"typ": "access"}, {"iss": "someone-else"}, {"sub": "not-a-uuid"}, {"alg_none": True}],
    ids=["wrong-typ", "wrong-iss", "bad-sub", "alg-none"],
)
def test_a_token_of_another_kind_is_refused(overrides: dict[str, object]) -> None:
    if overrides.pop("alg_none", False):
        token = jwt.encode(claims(uuid.uuid4()), None, algorithm="none")  # type: ignore[arg-type]
    else:
        token = jwt.encode(claims(uuid.uuid4(), **overrides), SECRET, algorithm=ALGORITHM)
    with pytest.raises(AuthenticationError):
        verify_session_token(SETTINGS, token)


def test_a_token_missing_a_claim_is_refused() -> None:
    body = claims(uuid.uuid4())
    del body["jti"]
    with pytest.raises(AuthenticationError):
        verify_session_token(SETTINGS, jwt.encode(body, SECRET, algorithm=ALGORITHM))


def test_a_token_living_longer_than_the_cap_is_refused() -> None:
    # Signed with the real secret, a year long: accepted before issue 12.
    now = int(time.time())
    year = jwt.encode(claims(uuid.uuid4(), iat=now, exp=now + 365 * 86400), SECRET, algorithm=ALGORITHM)
    with pytest.raises(AuthenticationError, match="SESSION_MAX_TTL_SECONDS"):
        verify_session_token(SETTINGS, year)
    # Just at the cap: accepted; one second more: refused.
    at_cap = jwt.encode(claims(uuid.uuid4(), iat=now, exp=now + 3600), SECRET, algorithm=ALGORITHM)
    assert verify_session_token(SETTINGS, at_cap).kind == "customer_session"
    over = jwt.encode(claims(uuid.uuid4(), iat=now - 1, exp=now + 3600), SECRET, algorithm=ALGORITHM)
    with pytest.raises(AuthenticationError, match="SESSION_MAX_TTL_SECONDS"):
        verify_session_token(SETTINGS, over)


def test_a_token_issued_in_the_future_is_refused_beyond_a_small_leeway() -> None:
    now = int(time.time())
    slightly = jwt.encode(claims(uuid.uuid4(), iat=now + 2, exp=now + 602), SECRET, algorithm=ALGORITHM)
    assert verify_session_token(SETTINGS, slightly).kind == "customer_session"
    future = jwt.encode(claims(uuid.uuid4(), iat=now + 600, exp=now + 1200), SECRET, algorithm=ALGORITHM)
    with pytest.raises(AuthenticationError, match="future"):
        verify_session_token(SETTINGS, future)


def test_a_token_without_its_minting_key_is_refused() -> None:
    body = claims(uuid.uuid4())
    del body["minted_by"]
    with pytest.raises(AuthenticationError, match="create a new session"):
        verify_session_token(SETTINGS, jwt.encode(body, SECRET, algorithm=ALGORITHM))


async def test_bearer_header_routes_non_api_keys_to_session_tokens(database: None) -> None:
    customer_id = uuid.uuid4()
    token, _ = issue_session_token(SETTINGS, customer_id, 600, KEY_ID)
    principal = await authenticate_bearer(f"Bearer {token}", SETTINGS)
    assert principal.customer_id == customer_id
    with pytest.raises(AuthenticationError):
        await authenticate_bearer("Bearer not-a-token", SETTINGS)


async def test_a_revoked_session_or_one_of_a_revoked_key_is_refused(database: None) -> None:
    key = await ApiKey.create(name="minting", prefix="bgk_test", key_hash=uuid.uuid4().hex, scopes=["write"])
    tokens = []
    for _ in range(2):
        claims_ = new_session_claims(uuid.uuid4(), 600, minted_by=str(key.id))
        await CustomerSession.create(
            jti=claims_.jti,
            customer_id=claims_.sub,
            minted_by=str(key.id),
            issued_at=datetime.fromtimestamp(claims_.iat, UTC),
            expires_at=claims_.expires_at,
        )
        tokens.append((claims_.jti, sign_session_claims(SETTINGS, claims_)))
    (first_jti, first), (_, second) = tokens
    revocations.forget()
    for token in (first, second):
        await authenticate_bearer(f"Bearer {token}", SETTINGS)
    await CustomerSession.filter(jti=first_jti).update(revoked_at=datetime.now(UTC))
    revocations.forget()
    with pytest.raises(AuthenticationError, match="revoked session"):
        await authenticate_bearer(f"Bearer {first}", SETTINGS)
    await authenticate_bearer(f"Bearer {second}", SETTINGS)
    await ApiKey.filter(id=key.id).update(revoked_at=datetime.now(UTC))
    revocations.forget()
    with pytest.raises(AuthenticationError, match="revoked session"):
        await authenticate_bearer(f"Bearer {second}", SETTINGS)


def test_signing_the_same_claims_again_gives_the_same_token() -> None:
    claims = new_session_claims(uuid.uuid4(), 600, KEY_ID)
    token = sign_session_claims(SETTINGS, claims)
    assert sign_session_claims(SETTINGS, SessionClaims.from_dict(claims.as_dict())) == token
    principal = verify_session_token(SETTINGS, token)
    assert principal.id == claims.jti and str(principal.customer_id) == claims.sub
    other = Settings(gateway_secret="another-secret-of-at-least-32-bytes!", _env_file=None)  # type: ignore[call-arg]
    assert sign_session_claims(other, claims) != token


@pytest.mark.parametrize(
    "stored",
    [{}, {"sub": "s", "jti": "j", "iat": 1, "exp": "2"}, {"sub": 1, "jti": "j", "iat": 1, "exp": 2}],
)
def test_stored_claims_of_the_wrong_shape_are_refused(stored: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="not stored session claims"):
        SessionClaims.from_dict(stored)
