"""CloudLink Authentication API: ``/token`` grants, ``/authorize`` codes, guest tokens, "who am I", key set.

Grants (CloudLink guides, wire-notes): ``password``, ``client_credentials``, ``refresh_token`` (``refresh_token``,
or ``token`` as some clients send it) and ``authorization_code``. The guide's code exchange sends no
``grant_type`` and spells the client ``clientId``: a body with a ``code`` and no ``grant_type`` is an
authorization code grant, and ``clientId`` is read as ``client_id`` everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, TypeVar

from micc_sim.faces.cloudlink.admin import responses as admin_responses
from micc_sim.faces.cloudlink.admin.access import allowed
from micc_sim.faces.cloudlink.admin.models import Application, Directory, User
from micc_sim.faces.cloudlink.auth.models import (
    CodeError,
    Principal,
    TokenError,
    TokenPair,
    client_principal,
    guest_principal,
    jwks,
    user_principal,
)
from micc_sim.faces.cloudlink.auth.portal import from_browser, login_page, redirect_to
from micc_sim.faces.cloudlink.common import authenticate, cloudlink, principal
from micc_sim.spec.router import ApiError, Call, Handler, Reply

T = TypeVar("T")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256 digest, unpadded (RFC 7636)
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # a code verifier, which a plain challenge is (RFC 7636)


def _grant_error(message: str, status: int = 401) -> ApiError:
    return ApiError(status, message, code="UnauthorizedError" if status == 401 else "BadRequestError")


def _client_id(body: dict[str, Any]) -> str | None:
    value = body.get("client_id") or body.get("clientId")
    return str(value) if value else None


def _user_for_login(directory: Directory, username: str, password: str, account_ref: str | None) -> User:
    """The user a password grant names; 409 when the login exists in several accounts and none is named."""
    candidates = [u for u in directory.users_named(username) if u.password == password]
    if account_ref:
        account = next((a for a in directory.accounts.values() if a.named(account_ref)), None)
        candidates = [u for u in candidates if account is not None and u.account_id == account.account_id]
    if not candidates:
        raise _grant_error("invalid username, password or account")
    if all(not u.active for u in candidates):
        raise _grant_error(f"{username} is deactivated in its account")
    candidates = [u for u in candidates if u.active]
    if len(candidates) > 1:
        raise ApiError(409, f"{username} exists in {len(candidates)} accounts: send account_id",
                       code="ConflictError")
    return candidates[0]


def _throttled(call: Call, login: str, attempt: Callable[[], T]) -> T:
    """Run a login attempt under the throttle: 429 while ``login`` is locked, count it when it fails (401)."""
    throttle, now = cloudlink(call).throttle, call.sim.clock.now()
    client = call.request.client
    key = f"{client.host if client else '-'}|{login.strip().lower()}"
    until = throttle.locked_until(key, now)
    if until is not None:
        raise ApiError(429, f"too many failed attempts for {login}: retry after {until.isoformat()}",
                       code="TooManyRequestsError",
                       headers={"Retry-After": format_datetime(until.astimezone(UTC), usegmt=True)})
    try:
        result = attempt()
    except ApiError as exc:
        if exc.status == 401:
            throttle.failed(key, now)
        raise
    throttle.succeeded(key)
    return result


def _login(call: Call, body: dict[str, Any]) -> User:
    if not body.get("username") or not body.get("password"):
        raise _grant_error("username and password are required", 400)
    username = str(body["username"])
    return _throttled(call, username, lambda: _user_for_login(
        cloudlink(call).directory, username, str(body["password"]), body.get("account_id")))


# -- grants ---------------------------------------------------------------------------------------
def _password(call: Call, body: dict[str, Any], now: datetime) -> TokenPair:
    platform = cloudlink(call)
    user = _login(call, body)
    return platform.sessions.issue(user_principal(platform.directory, user), now)


def _client_credentials(call: Call, body: dict[str, Any], now: datetime) -> TokenPair:
    platform, directory = cloudlink(call), cloudlink(call).directory
    client_id = _client_id(body) or ""

    def check() -> Principal:
        client = directory.clients.get(client_id)
        if client is None or client.secret != body.get("client_secret") or not client.active:
            raise _grant_error("invalid client_id or client_secret")
        account_ref = body.get("account_id")
        if account_ref and not directory.accounts[client.account_id].named(str(account_ref)):
            raise _grant_error(f"client {client.client_id} does not belong to account {account_ref}")
        return client_principal(directory, client)

    return platform.sessions.issue(_throttled(call, client_id, check), now)


def _refresh_token(call: Call, body: dict[str, Any], now: datetime) -> TokenPair:
    token = body.get("refresh_token") or body.get("token")
    if not token:
        raise _grant_error("the refresh_token grant needs refresh_token", 400)
    try:
        return cloudlink(call).sessions.refresh(str(token), now, cloudlink(call).directory)
    except TokenError as exc:
        raise _grant_error(str(exc)) from exc


def _authorization_code(call: Call, body: dict[str, Any], now: datetime) -> TokenPair:
    client_id = _client_id(body)
    if not body.get("code") or not client_id:
        raise _grant_error("the authorization_code grant needs code and client_id (or clientId)", 400)
    directory = cloudlink(call).directory

    def usable(principal: Principal) -> str | None:  # still enabled for the user's account when redeemed
        app = directory.applications.get(client_id)
        if app is None or not app.enabled_for(principal.account_id):
            return f"client_id {client_id} is no longer an application enabled on account {principal.account_id}"
        return None

    try:
        return cloudlink(call).sessions.redeem_code(
            str(body["code"]), client_id, now, verifier=body.get("code_verifier"),
            redirect_uri=body.get("redirect_uri"), usable=usable)
    except CodeError as exc:
        raise _grant_error(str(exc), exc.status) from exc


GRANTS: dict[str, Callable[[Call, dict[str, Any], datetime], TokenPair]] = {
    "password": _password,
    "client_credentials": _client_credentials,
    "refresh_token": _refresh_token,
    "authorization_code": _authorization_code,
}


def post_token(call: Call) -> dict[str, Any]:
    body: dict[str, Any] = call.body or {}
    grant = body.get("grant_type") or ("authorization_code" if body.get("code") else None)
    run = GRANTS.get(str(grant))
    if run is None:
        raise _grant_error(f"unsupported grant_type {grant!r}" if grant else "grant_type is required", 400)
    return run(call, body, call.sim.clock.now()).as_wire()


# -- authorization codes --------------------------------------------------------------------------
def _application(directory: Directory, client_id: str, account_ref: str | None = None) -> Application:
    """The active application ``client_id`` (401 otherwise); with ``account_ref``, enabled on that account."""
    app = directory.applications.get(client_id)
    if app is None or not app.active:
        raise _grant_error(f"client_id {client_id} is not an active application")
    if account_ref:
        account = next((a for a in directory.accounts.values() if a.named(account_ref)), None)
        if account is not None:
            _enabled(app, account.account_id)
    return app


def _enabled(app: Application, account_id: str) -> None:
    """401 unless ``app`` is enabled on ``account_id`` (the guide: "you may be required to manually activate
    your application on the account where it is being deployed")."""
    if not app.enabled_for(account_id):
        raise _grant_error(f"client_id {app.client_id} is not an application enabled on account {account_id}")


def _switching_user(call: Call, hint: str, target: Application) -> Principal:
    """The user behind the refresh token of an app switch (``id_token_hint``), for the target app."""
    platform = cloudlink(call)
    try:
        who = platform.check_token(hint, call.sim.clock.now(), kind="refresh")
    except TokenError as exc:
        raise _grant_error(f"id_token_hint: {exc}") from exc
    user = platform.directory.users.get(who.principal_id)
    if who.kind != "user" or user is None:
        raise _grant_error("id_token_hint is not the refresh token of a user")
    return user_principal(platform.directory, user, client_id=target.client_id)


def post_authorize(call: Call) -> Reply:
    body: dict[str, Any] = call.body or {}
    platform, now = cloudlink(call), call.sim.clock.now()
    client_id = _client_id(body)
    if not client_id:
        raise _grant_error("client_id is required", 400)
    app = _application(platform.directory, client_id)
    challenge, method = body.get("code_challenge"), body.get("code_challenge_method")
    if challenge or method:
        method = method or "plain"  # RFC 7636: a challenge without a method is plain
        if method not in ("S256", "plain"):
            raise _grant_error("code_challenge_method must be S256 or plain", 400)
        if not challenge:
            raise _grant_error("code_challenge_method goes with a code_challenge", 400)
        if method == "S256" and not _CHALLENGE.match(str(challenge)):
            raise _grant_error("code_challenge must be the base64url SHA-256 digest of the verifier (43 characters)",
                               400)
        if method == "plain" and not _VERIFIER.match(str(challenge)):
            raise _grant_error("a plain code_challenge is the verifier itself: 43 to 128 of A-Z a-z 0-9 - . _ ~",
                               400)
    hint = body.get("id_token_hint")
    if hint:  # an app switch: the code is for the target application
        if not body.get("target_client_id"):
            raise _grant_error("id_token_hint goes with target_client_id (the application to switch to)", 400)
        app = _application(platform.directory, str(body["target_client_id"]))
    redirect_uri = body.get("redirect_uri")
    if redirect_uri is not None and redirect_uri not in app.redirect_uris:
        raise _grant_error(f"redirect_uri {redirect_uri!r} is not registered for application {app.client_id}", 400)
    if hint:
        who = _switching_user(call, str(hint), app)
    else:
        who = user_principal(platform.directory, _login(call, body), client_id=app.client_id)
    _enabled(app, who.account_id)
    code = platform.sessions.grant_code(who, app.client_id, now, redirect_uri, challenge,
                                        code_challenge_method=str(method or "S256"))
    if redirect_uri and from_browser(call):  # the login page's form: back to the application, as a portal does
        location = redirect_to(str(redirect_uri), code.code, body.get("state"))
        return Reply(b"", 302, {"content-type": "text/plain", "location": location})
    return Reply({"code": code.code}, 201)


# -- guests and "who am I" ------------------------------------------------------------------------
def post_guest_token(call: Call) -> dict[str, Any]:
    """A GUEST token for an outsider (chat or conference participant). The guide's example sends no bearer:
    then any caller may admit a guest to an existing account; with one, only a member of the account may."""
    body: dict[str, Any] = call.body or {}
    platform = cloudlink(call)
    directory = platform.directory
    account = directory.account(str(body["accountId"]))
    who = authenticate(call.sim, call.request) if call.request.headers.get("authorization") else None
    if who is not None and not allowed(directory, who, "contact:GUEST", "create", account.account_id):
        raise ApiError(403, f"a {who.role} of account {who.account_id} may not admit guests to "
                            f"account {account.account_id}")
    principal_id = str(body["principalId"])
    if principal_id in directory.users or principal_id in directory.clients:
        raise ApiError(409, f"principalId {principal_id} is a user or client, not a guest", code="ConflictError")
    guest = guest_principal(account, principal_id, str(body.get("name") or ""))
    return platform.sessions.issue(guest, call.sim.clock.now()).as_wire()


def get_token(call: Call) -> dict[str, Any]:
    """Who the bearer is: the token's claims."""
    who = principal(call)
    return {"principalId": who.principal_id, "uniqueUserId": who.principal_id, "userId": who.user_id,
            "accountId": who.account_id, "partnerId": who.partner_id, "role": who.role, "name": who.name,
            "email": who.email, "principalType": who.kind, "clientId": who.client_id}


def get_jwks(call: Call) -> dict[str, Any]:
    return jwks()


def get_authorize(call: Call) -> Reply:
    """The browser step of the code flow (the Mitel Auth Portal's page): a login form for the application."""
    query = {k: v for k, v in call.query.items()}
    client_id = query.get("client_id") or query.get("clientId")
    if not client_id:
        raise _grant_error("client_id is required", 400)
    if query.get("response_type") != "code":
        raise _grant_error("response_type must be code", 400)
    app = _application(cloudlink(call).directory, client_id, query.get("account_id") or query.get("accountId"))
    redirect_uri = query.get("redirect_uri")
    if redirect_uri is not None and redirect_uri not in app.redirect_uris:
        raise _grant_error(f"redirect_uri {redirect_uri!r} is not registered for application {app.client_id}", 400)
    return Reply(login_page(app.name, call.url_for("/authorize"), query), 200,
                 {"content-type": "text/html; charset=utf-8"})


HANDLERS: dict[str, Handler] = {
    "Token_PostToken": post_token,
    "Token_GetToken": get_token,
    "Token_GetJwks": get_jwks,
    "Authorize_PostAuthorize": post_authorize,
    "Authorize_GetAuthorize": get_authorize,
    "Applications_GetApplication": admin_responses.get_application,
    "Applications_PutApplication": admin_responses.put_application,
    "Guest_PostGuestToken": post_guest_token,
}
