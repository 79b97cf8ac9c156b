"""CloudLink bearer tokens: JWT access and refresh tokens, the sessions behind them, and the signing key.

Access and refresh tokens are JWTs (RS256, signed by a key of this simulator process; ``GET
/.well-known/jwks.json`` publishes its public half), with the claims real CloudLink tokens carry
(wire-notes: ``uniqueUserId, principalId, accountId, partnerId, domain, email, name, role, userId,
sipAddress, iss, iat, exp``) plus ``jti`` and ``type``. A token is valid only while the session store
knows its ``jti`` and the *simulated* clock is before its ``exp``: a reset, a restore or a revocation ends
them, and refresh tokens are single-use.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from simulator.cloudlink.admin.models import Account, Client, Directory, User

ISSUER = "https://authentication.api.mitel.io/2017-09-01"


@cache
def signing_key() -> RSAKey:
    """One RSA key per process, made when the first token is signed (tokens never outlive the process)."""
    key = RSAKey.generate_key(2048, private=True)
    key.ensure_kid()
    return key


def jwks() -> dict[str, Any]:
    public = signing_key().as_dict(private=False)
    return {"keys": [{**public, "use": "sig", "alg": "RS256"}]}


@dataclass
class Principal:
    """Who a token speaks for."""

    kind: str  # "user" | "client" | "guest"
    principal_id: str  # userId, clientId or the guest's principalId
    account_id: str
    role: str  # PARTNER_ADMIN | ACCOUNT_ADMIN | USER | GUEST
    name: str = ""
    email: str | None = None
    partner_id: str | None = None
    client_id: str | None = None  # the application the token was issued to (authorization code flow)

    @property
    def user_id(self) -> str | None:
        return self.principal_id if self.kind == "user" else None


@dataclass
class TokenRecord:
    jti: str
    type: str  # "access" | "refresh"
    principal: Principal
    issued: datetime
    expires: datetime
    used: bool = False  # a refresh token that was exchanged


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    principal: Principal

    def as_wire(self) -> dict[str, Any]:
        return {"token_type": "bearer", "expires_in": self.expires_in, "access_token": self.access_token,
                "refresh_token": self.refresh_token, "scope": "read write"}


class TokenError(Exception):
    """A token that is not (or no longer) good."""


@dataclass
class Sessions:
    """The tokens issued and not yet ended."""

    lifetime: int
    refresh_lifetime: int
    tokens: dict[str, TokenRecord] = field(default_factory=dict)

    def issue(self, principal: Principal, now: datetime) -> TokenPair:
        access = self._record("access", principal, now, self.lifetime)
        refresh = self._record("refresh", principal, now, self.refresh_lifetime)
        return TokenPair(self._sign(access), self._sign(refresh), self.lifetime, principal)

    def verify(self, token: str, now: datetime, kind: str = "access") -> TokenRecord:
        """The record behind a token of ``kind``, or :class:`TokenError` saying why it is not good."""
        try:
            claims = jwt.decode(token.strip(), signing_key(), algorithms=["RS256"]).claims
        except (JoseError, ValueError, TypeError) as exc:
            raise TokenError(f"the token is not a valid CloudLink token ({type(exc).__name__})") from exc
        record = self.tokens.get(str(claims.get("jti")))
        if record is None or record.type != kind:
            raise TokenError(f"the {kind} token is not known (revoked, or issued by another run)")
        if now >= record.expires:
            raise TokenError(f"the {kind} token expired at {record.expires.isoformat()}")
        if record.used:
            raise TokenError("the refresh token was already used")
        return record

    def refresh(self, token: str, now: datetime) -> TokenPair:
        """A new pair for a refresh token, which is used up."""
        record = self.verify(token, now, kind="refresh")
        record.used = True
        return self.issue(record.principal, now)

    def revoke_all(self) -> int:
        count = len(self.tokens)
        self.tokens.clear()
        return count

    def sweep(self, now: datetime) -> None:
        self.tokens = {jti: r for jti, r in self.tokens.items() if r.expires > now and not r.used}

    def _record(self, kind: str, principal: Principal, now: datetime, seconds: int) -> TokenRecord:
        if len(self.tokens) >= 10_000:
            self.sweep(now)
        record = TokenRecord(secrets.token_hex(16), kind, principal, now, now + timedelta(seconds=seconds))
        self.tokens[record.jti] = record
        return record

    @staticmethod
    def _sign(record: TokenRecord) -> str:
        p = record.principal
        claims = {
            "jti": record.jti, "type": record.type, "iss": ISSUER,
            "iat": int(record.issued.timestamp()), "exp": int(record.expires.timestamp()),
            "principalId": p.principal_id, "uniqueUserId": p.principal_id, "userId": p.user_id,
            "accountId": p.account_id, "partnerId": p.partner_id, "role": p.role, "name": p.name,
            "email": p.email, "domain": (p.email or "").partition("@")[2] or None,
            "sipAddress": p.email, "clientId": p.client_id, "principalType": p.kind,
        }
        key = signing_key()
        return jwt.encode({"alg": "RS256", "kid": key.kid}, {k: v for k, v in claims.items() if v is not None},
                          key)


def user_principal(directory: Directory, user: User, client_id: str | None = None) -> Principal:
    account = directory.accounts[user.account_id]
    return Principal("user", user.user_id, user.account_id, user.role, user.name, user.email,
                     _partner_of(account), client_id)


def client_principal(directory: Directory, client: Client) -> Principal:
    account = directory.accounts[client.account_id]
    return Principal("client", client.client_id, client.account_id, client.role, client.name,
                     partner_id=_partner_of(account), client_id=client.client_id)


def _partner_of(account: Account) -> str | None:
    return account.partner_id or account.account_id
