"""CloudLink Authentication API: ``/token`` grants, "who am I", and the key set that verifies tokens."""

from __future__ import annotations

from typing import Any

from simulator.cloudlink.admin.models import Directory, User
from simulator.cloudlink.auth.models import TokenError, client_principal, jwks, user_principal
from simulator.cloudlink.common import cloudlink, principal
from simulator.spec.router import ApiError, Call, Handler


def _grant_error(message: str, status: int = 401) -> ApiError:
    return ApiError(status, message, code="UnauthorizedError" if status == 401 else "BadRequestError")


def _user_for_login(directory: Directory, username: str, password: str, account_ref: str | None) -> User:
    """The user a password grant names; 409 when the login exists in several accounts and none is named."""
    candidates = [u for u in directory.users_named(username) if u.password == password]
    if account_ref:
        account = next((a for a in directory.accounts.values() if a.named(account_ref)), None)
        candidates = [u for u in candidates if account is not None and u.account_id == account.account_id]
    if not candidates:
        raise _grant_error("invalid username, password or account")
    if len(candidates) > 1:
        raise ApiError(409, f"{username} exists in {len(candidates)} accounts: send account_id",
                       code="ConflictError")
    return candidates[0]


def post_token(call: Call) -> dict[str, Any]:
    body: dict[str, Any] = call.body or {}
    platform = cloudlink(call)
    directory, now = platform.directory, call.sim.clock.now()
    grant = body.get("grant_type")
    if grant == "password":
        if not body.get("username") or not body.get("password"):
            raise _grant_error("the password grant needs username and password", 400)
        user = _user_for_login(directory, str(body["username"]), str(body["password"]), body.get("account_id"))
        pair = platform.sessions.issue(user_principal(directory, user), now)
    elif grant == "client_credentials":
        client = directory.clients.get(str(body.get("client_id") or ""))
        if client is None or client.secret != body.get("client_secret") or not client.active:
            raise _grant_error("invalid client_id or client_secret")
        account_ref = body.get("account_id")
        if account_ref and not directory.accounts[client.account_id].named(str(account_ref)):
            raise _grant_error(f"client {client.client_id} does not belong to account {account_ref}")
        pair = platform.sessions.issue(client_principal(directory, client), now)
    elif grant == "refresh_token":
        token = body.get("refresh_token") or body.get("token")
        if not token:
            raise _grant_error("the refresh_token grant needs refresh_token", 400)
        try:
            pair = platform.sessions.refresh(str(token), now)
        except TokenError as exc:
            raise _grant_error(str(exc)) from exc
    else:
        raise _grant_error(f"unsupported grant_type {grant!r}", 400)
    return pair.as_wire()


def get_token(call: Call) -> dict[str, Any]:
    """Who the bearer is: the token's claims."""
    who = principal(call)
    return {"principalId": who.principal_id, "uniqueUserId": who.principal_id, "userId": who.user_id,
            "accountId": who.account_id, "partnerId": who.partner_id, "role": who.role, "name": who.name,
            "email": who.email, "principalType": who.kind, "clientId": who.client_id}


def get_jwks(call: Call) -> dict[str, Any]:
    return jwks()


HANDLERS: dict[str, Handler] = {
    "Token_PostToken": post_token,
    "Token_GetToken": get_token,
    "Token_GetJwks": get_jwks,
}
