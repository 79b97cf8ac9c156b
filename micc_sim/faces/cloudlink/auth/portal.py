"""The browser half of the authorization code flow: ``GET /authorize`` (the Mitel Auth Portal's page).

The guide sends users to ``https://auth.mitel.io/authorize?client_id=...&response_type=code&redirect_uri=...``;
they log in and come back to ``redirect_uri`` with ``?code=`` (and the ``state`` the application sent). The
page is a plain form posting the same parameters and the credentials to ``POST /authorize``; a browser's
post (it asks for HTML) is answered with the redirect, any other client with the JSON code as before.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode, urlsplit, urlunsplit

from micc_sim.spec.router import Call

CARRIED = ("client_id", "response_type", "redirect_uri", "state", "code_challenge", "code_challenge_method",
           "account_id")  # what the form keeps of the query


def from_browser(call: Call) -> bool:
    """A form a browser posted: it asks for HTML and sends a urlencoded body."""
    headers = call.request.headers
    return "text/html" in headers.get("accept", "") and headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded")


def redirect_to(redirect_uri: str, code: str, state: object) -> str:
    """``redirect_uri`` with ``code`` (and ``state``) added to its query."""
    parts = urlsplit(redirect_uri)
    extra = urlencode([("code", code), *([("state", str(state))] if state else [])])
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def login_page(application: str, action: str, query: dict[str, str]) -> bytes:
    hidden = "".join(f'<input type="hidden" name="{name}" value="{escape(query[name])}">'
                     for name in CARRIED if query.get(name) and name != "account_id")
    account = escape(query.get("account_id", ""))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - micc-sim CloudLink</title></head>
<body><main>
<h1>Sign in to {escape(application)}</h1>
<p>micc-sim's stand-in for the Mitel Auth Portal: a user of the simulated CloudLink tenant.</p>
<form method="post" action="{escape(action)}">{hidden}
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<label>Account (optional) <input name="account_id" value="{account}"></label>
<button type="submit">Sign in</button>
</form>
</main></body></html>
""".encode()
