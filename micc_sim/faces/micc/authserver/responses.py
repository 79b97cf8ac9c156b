"""``POST /authorizationserver/token``: OWIN's OAuth token endpoint, password and client-credentials grants."""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request

from micc_sim.faces.micc.authserver import impersonation
from micc_sim.faces.micc.authserver.models import LoginThrottle
from micc_sim.faces.micc.wire import rfc1123
from micc_sim.spec.router import PRINCIPAL_KEY, ApiError, Call, Principal, Reply, header
from micc_sim.world import identity
from micc_sim.world.model import Employee

INVALID_REQUEST = "invalid_request"
INVALID_GRANT = "invalid_grant"
INVALID_CLIENT = "invalid_client"
UNSUPPORTED_GRANT = "unsupported_grant_type"


def oauth_error(error: ApiError) -> dict[str, Any]:
    """RFC 6749 section 5.2, as OWIN writes it; a 401 of the account API is Web API's (``message``)."""
    if error.status == 401 and error.code is None:
        return {"message": error.message}
    return {"error": error.code or INVALID_REQUEST, "error_description": error.message}


def _refuse(code: str, description: str) -> ApiError:
    return ApiError(400, description, code=code)


def post_token(call: Call) -> Reply:
    form = {key.lower(): value for key, value in (call.body or {}).items()}  # OWIN's form: names in any case
    grant = form.get("grant_type", "")
    sim = call.sim
    if grant == "password":
        username, password = form.get("username", ""), form.get("password", "")
        if not username:
            raise _refuse(INVALID_GRANT, "The user name or password is incorrect.")
        throttle, key = _throttle(sim), f"{_peer(call.request)}|{username.strip().lower()}"
        locked = throttle.locked_for(key)
        if locked:  # a 400 of the grant's shape, as the contract documents (the lock and Retry-After are inferred)
            error = _refuse(INVALID_GRANT, f"Too many failed sign-ins for {username}: try again in {locked:.0f} s.")
            error.headers = {"Retry-After": str(max(1, round(locked)))}
            raise error
        employee = sim.world.find_employee_by_login(username, password)
        if employee is None:
            throttle.failed(key)
            raise _refuse(INVALID_GRANT, "The user name or password is incorrect.")
        throttle.succeeded(key)
        session = sim.tokens.issue("employee", employee.id)
        extra = employee_claims(sim.world, employee)
    elif grant == "client_credentials":
        client_id, secret = _client_credentials(call.request, form)
        if not client_id:
            raise _refuse(INVALID_CLIENT, "The client_id parameter is missing.")
        client = sim.current_clients().check(client_id, secret or "")
        if client is None:
            raise _refuse(INVALID_CLIENT, "The client credentials are invalid.")
        wanted = impersonation.wanted_user(call.request)
        if wanted is None:
            session = sim.tokens.issue("client", client.id)
            extra = {"clientId": client.id, "roles": "Client"}
        else:  # the Impersonate header: a token that acts for an employee, naming the client
            employee = impersonation.impersonated(sim.world, client, wanted)
            session = sim.tokens.issue("employee", employee.id, client.id)
            extra = {**employee_claims(sim.world, employee), "clientId": client.id}
    elif not grant:
        raise _refuse(UNSUPPORTED_GRANT, "The grant_type parameter is missing "
                                         "(send a form-encoded body: grant_type=password&username=...).")
    else:
        raise _refuse(UNSUPPORTED_GRANT, f"The grant type {grant!r} is not supported.")
    call.request.scope[PRINCIPAL_KEY] = sim.principal_for_token(session.token)  # the journal: who got it
    body = {
        "access_token": session.token,
        "token_type": "bearer",
        "expires_in": sim.tokens.lifetime,
        **extra,
        ".issued": rfc1123(session.issued),
        ".expires": rfc1123(session.expires),
    }
    return Reply(body, headers={"Cache-Control": "no-cache", "Pragma": "no-cache"})


def employee_claims(world: Any, employee: Employee) -> dict[str, str]:
    """What the token answer and ``/api/account`` say of an employee: strings, as OWIN's authentication
    properties hold them (multi-valued claims comma-separated)."""
    return {"userName": employee.username, "employeeId": employee.id, "displayName": employee.name,
            "roles": ",".join(identity.roles(employee)), "licenses": ",".join(identity.licences(world, employee))}


def get_account(call: Call) -> dict[str, str]:
    """``GET /authorizationserver/api/account``: the bearer token's claims."""
    scheme, _, token = (header(call.request.scope, b"authorization") or "").partition(" ")
    session = call.sim.tokens.lookup(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if session is None:
        raise ApiError(401, "Authorization has been denied for this request.", headers={"WWW-Authenticate": "Bearer"})
    times = {".issued": rfc1123(session.issued), ".expires": rfc1123(session.expires)}
    if session.kind == "client":
        return {"clientId": session.principal_id, "roles": "Client", **times}
    employee = call.world.employees.get(session.principal_id)
    if employee is None:
        raise ApiError(401, "Authorization has been denied for this request.", headers={"WWW-Authenticate": "Bearer"})
    acting = {"clientId": session.client_id} if session.client_id else {}
    return {**employee_claims(call.world, employee), **acting, **times}
def _throttle(sim: Any) -> LoginThrottle:
    """The run's throttle of failed password grants (made on first use, with the run's settings)."""
    throttle = sim.tokens.throttle
    if throttle is None:
        throttle = sim.tokens.throttle = LoginThrottle(failures=sim.settings.login_failures)
    return throttle


def _peer(request: Request) -> str:
    """The socket's peer: never a header (X-Forwarded-For would let a guesser pick a fresh address each time)."""
    return request.client.host if request.client else "-"


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    """Client id and secret from the form, or from HTTP Basic as OWIN also allows."""
    if form.get("client_id"):
        return form.get("client_id"), form.get("client_secret")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, None
        return client_id, secret
    return None, None


def bearer_principal(sim: Any, request: Request) -> Principal | None:
    """The principal of the request's ``Authorization: Bearer`` token, None when missing/unknown/expired."""
    scheme, _, token = (header(request.scope, b"authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    principal = sim.principal_for_token(token.strip())
    request.scope[PRINCIPAL_KEY] = principal  # the journal: who acted (and for whom)
    return principal


HANDLERS = {"Token_PostToken": post_token, "Account_GetAccount": get_account}
