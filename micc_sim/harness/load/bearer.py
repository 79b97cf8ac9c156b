"""Requests with a bearer token, as every locust user of micc-sim makes them: get a token, call with it, and get
a new one once when the server says it expired (a simulator's clock may outrun a token's lifetime)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _failure(response: Any) -> str:
    return f"{response.status_code}: {(response.text or '')[:200]}"


def fetch_token(client: Any, path: str, name: str, refusal: str, **body: Any) -> str:
    """An access token from ``path`` (the request's ``data=`` form or ``json=`` body); a refusal fails the
    request and stops the user with ``refusal``."""
    with client.post(path, name=name, catch_response=True, **body) as r:
        if r.status_code != 200:
            r.failure(_failure(r))
            raise RuntimeError(f"{refusal}: {r.status_code} {r.text}")
        return r.json()["access_token"]


def bearer_request(client: Any, method: str, path: str, name: str, token: str, renew: Callable[[], str],
                   ok: tuple[int, ...] = (200, 201), **kwargs: Any) -> Any:
    """The response to a request with ``token``, a success when its status is in ``ok``; after a 401 the
    request is made once more, with the token ``renew()`` gives."""
    for attempt in (1, 2):
        with client.request(method, path, name=name, headers={"Authorization": f"Bearer {token}"},
                            catch_response=True, **kwargs) as r:
            expired = r.status_code == 401 and attempt == 1
            if expired:
                r.failure("401: the token expired; fetched a new one")
            elif r.status_code in ok:
                r.success()
            else:
                r.failure(_failure(r))
        if not expired:
            return r
        token = renew()
    return None
