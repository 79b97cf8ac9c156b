"""CloudLink bearer tokens: JWT access and refresh tokens, the sessions behind them, and the signing key.

Access and refresh tokens are JWTs (RS256, signed by a key of this simulator process; ``GET
/.well-known/jwks.json`` publishes its public half), with the claims real CloudLink tokens carry
(wire-notes: ``uniqueUserId, principalId, accountId, partnerId, domain, email, name, role, userId,
sipAddress, iss, iat, exp``) plus ``jti`` and ``type``. A token is valid only while the session store
knows its ``jti`` and the *simulated* clock is before its ``exp``: a reset, a restore or a revocation ends
them, and refresh tokens are single-use.

Authorization codes (``POST /authorize``) live in the same store: single-use, short-lived, bound to the
application they were issued for, and, with PKCE, to the verifier whose S256 digest was the challenge.
:class:`Throttle` counts failed logins and locks a login that is hammered with bad credentials.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from micc_sim.faces.cloudlink.admin.models import Account, Client, Directory, User

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
    grant: str | None = None  # the authorization code the token descends from (through refreshes too)


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
class AuthorizationCode:
    code: str
    client_id: str  # the application the code (and the tokens it buys) belong to
    principal: Principal
    expires: datetime
    redirect_uri: str | None = None
    code_challenge: str | None = None  # S256 digest of the verifier, base64url without padding (or, plain, itself)
    used: bool = False
    code_challenge_method: str = "S256"  # or "plain" (RFC 7636): the challenge is the verifier itself


class CodeError(TokenError):
    """An authorization code that cannot be redeemed (``status`` 400: the request; 401: the code)."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier (RFC 7636): base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class Sessions:
    """The tokens and authorization codes issued and not yet ended."""

    lifetime: int
    refresh_lifetime: int
    tokens: dict[str, TokenRecord] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    code_lifetime: int = 60

    def issue(self, principal: Principal, now: datetime, grant: str | None = None) -> TokenPair:
        access = self._record("access", principal, now, self.lifetime, grant)
        refresh = self._record("refresh", principal, now, self.refresh_lifetime, grant)
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

    def refresh(self, token: str, now: datetime, directory: Directory) -> TokenPair:
        """A new pair for a refresh token, which is used up, for the principal as it is *now* (a demoted
        admin's refresh token buys USER tokens; a deleted user's buys none)."""
        record, who = check_token(self, directory, token, now, kind="refresh")
        record.used = True
        return self.issue(who, now, record.grant)

    def issue_connection(self, principal: Principal, now: datetime, seconds: int) -> tuple[str, datetime]:
        """The token of a ``POST /connections`` URL (kind ``connection``): who may open the MQTT connection,
        until when (simulated time)."""
        record = self._record("connection", principal, now, seconds)
        return self._sign(record), record.expires

    def revoke_all(self) -> int:
        count = len(self.tokens)
        self.tokens.clear()
        return count

    def revoke_principal(self, kind: str, principal_id: str) -> int:
        """End every token and pending code of a principal (a deleted user, a deleted or disabled client)."""
        def theirs(p: Principal) -> bool:
            return p.kind == kind and p.principal_id == principal_id

        before = len(self.tokens)
        self.tokens = {jti: r for jti, r in self.tokens.items() if not theirs(r.principal)}
        self.codes = {c: r for c, r in self.codes.items() if not theirs(r.principal)}
        return before - len(self.tokens)

    def sweep(self, now: datetime) -> None:
        self.tokens = {jti: r for jti, r in self.tokens.items() if r.expires > now and not r.used}
        self.codes = {c: r for c, r in self.codes.items() if r.expires > now}

    # -- authorization codes ---------------------------------------------------------------------
    def grant_code(self, principal: Principal, client_id: str, now: datetime, redirect_uri: str | None = None,
                   code_challenge: str | None = None, code_challenge_method: str = "S256") -> AuthorizationCode:
        if len(self.codes) >= 10_000:
            self.sweep(now)
        code = AuthorizationCode(secrets.token_hex(16), client_id, principal,
                                 now + timedelta(seconds=self.code_lifetime), redirect_uri, code_challenge,
                                 code_challenge_method=code_challenge_method)
        self.codes[code.code] = code
        return code

    def redeem_code(self, code: str, client_id: str, now: datetime, verifier: str | None = None,
                    redirect_uri: str | None = None,
                    usable: Callable[[Principal], str | None] | None = None) -> TokenPair:
        """A token pair for a code, once. A replayed code also ends the tokens its first use bought."""
        record = self.codes.get(code.strip())
        if record is None or now >= record.expires:
            raise CodeError("the authorization code is not valid (unknown or expired)")
        if record.used:
            self.tokens = {jti: r for jti, r in self.tokens.items() if r.grant != record.code}
            raise CodeError("the authorization code was already used; the tokens it gave are revoked")
        if client_id != record.client_id:
            raise CodeError(f"the authorization code was issued to another application than {client_id}")
        if redirect_uri is not None and record.redirect_uri is not None and redirect_uri != record.redirect_uri:
            raise CodeError("redirect_uri differs from the one the code was issued for", 400)
        if record.code_challenge is not None:
            if not verifier:
                raise CodeError("code_verifier is required: the code was issued with a PKCE code_challenge", 400)
            derived = verifier if record.code_challenge_method == "plain" else s256(verifier)
            if not hmac.compare_digest(derived.encode(), record.code_challenge.encode()):
                raise CodeError("code_verifier does not match the code_challenge")
        refused = usable(record.principal) if usable is not None else None
        if refused:  # the application was disabled since (on the user's account): the code buys nothing
            raise CodeError(refused)
        record.used = True
        return self.issue(record.principal, now, grant=record.code)

    def _record(self, kind: str, principal: Principal, now: datetime, seconds: int,
                grant: str | None = None) -> TokenRecord:
        if len(self.tokens) >= 10_000:
            self.sweep(now)
        record = TokenRecord(secrets.token_hex(16), kind, principal, now, now + timedelta(seconds=seconds),
                             grant=grant)
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


def check_token(sessions: Sessions, directory: Directory, token: str, now: datetime,
                kind: str = "access") -> tuple[TokenRecord, Principal]:
    """The one check of every CloudLink token: bearer (``access``), ``refresh`` (the grant, an app switch's
    ``id_token_hint``) and ``connection`` (the MQTT URL's). :class:`TokenError` says why one is not good.

    An access token speaks for the principal as it was issued (its claims say so, until it expires, as a JWT
    does); a refresh or connection token for the principal as the directory has it now, so a role taken away
    is taken away from what the token can still buy."""
    record = sessions.verify(token, now, kind)
    return record, record.principal if kind == "access" else current_principal(directory, record.principal)


def current_principal(directory: Directory, principal: Principal) -> Principal:
    """A principal as the directory has it now (role, account, name); TokenError when it is gone."""
    if principal.kind == "user":
        user = directory.users.get(principal.principal_id)
        if user is None:
            raise TokenError(f"user {principal.principal_id} no longer exists")
        if not user.active:
            raise TokenError(f"user {principal.principal_id} is deactivated")
        return user_principal(directory, user, client_id=principal.client_id)
    if principal.kind == "client":
        client = directory.clients.get(principal.principal_id)
        if client is None or not client.active:
            raise TokenError(f"client {principal.principal_id} no longer exists or is disabled")
        return client_principal(directory, client)
    return principal  # a guest is what its token says: the directory does not hold guests


def user_principal(directory: Directory, user: User, client_id: str | None = None) -> Principal:
    account = directory.accounts[user.account_id]
    return Principal("user", user.user_id, user.account_id, user.role, user.name, user.email,
                     _partner_of(account), client_id)


def guest_principal(account: Account, principal_id: str, name: str) -> Principal:
    return Principal("guest", principal_id, account.account_id, "GUEST", name, partner_id=_partner_of(account))


def client_principal(directory: Directory, client: Client) -> Principal:
    account = directory.accounts[client.account_id]
    return Principal("client", client.client_id, client.account_id, client.role, client.name,
                     partner_id=_partner_of(account), client_id=client.client_id)


def _partner_of(account: Account) -> str | None:
    return account.partner_id or account.account_id


@dataclass
class Throttle:
    """Failed logins per key (a login or client id, and the address it comes from): ``failures`` of them
    within ``window`` seconds lock the key for ``lockout`` seconds. ``failures`` 0 turns it off."""

    failures: int
    window: int
    lockout: int
    recent: dict[str, deque[datetime]] = field(default_factory=dict)
    locked: dict[str, datetime] = field(default_factory=dict)

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        until = self.locked.get(key)
        if until is not None and now >= until:
            del self.locked[key]
            return None
        return until

    def failed(self, key: str, now: datetime) -> datetime | None:
        """Count a failure; the end of the lock when this one locks the key."""
        if self.failures <= 0:
            return None
        if len(self.recent) >= 10_000:
            self.recent = {k: q for k, q in self.recent.items() if q and q[-1] > now - timedelta(seconds=self.window)}
        times = self.recent.setdefault(key, deque())
        times.append(now)
        while times and times[0] <= now - timedelta(seconds=self.window):
            times.popleft()
        if len(times) < self.failures:
            return None
        del self.recent[key]
        self.locked[key] = now + timedelta(seconds=self.lockout)
        return self.locked[key]

    def succeeded(self, key: str) -> None:
        self.recent.pop(key, None)
