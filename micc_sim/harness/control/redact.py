"""Secrets out of what the journal shows and the recorder writes: tokens, passwords, client secrets.

Redaction happens when an entry is shown or written, never when it is recorded, so the request path pays
nothing for it. A header keeps its scheme (``Bearer [redacted]``) so a reader still sees which kind of
credential was sent; a body keeps its shape with the secret values replaced.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
SECRET_FIELDS = frozenset({
    "password", "passwd", "client_secret", "clientsecret", "secret", "access_token", "accesstoken",
    "refresh_token", "refreshtoken", "id_token", "token", "connectiontoken", "groupstoken",
    "authorization", "apikey", "api_key", "signingsecret", "signing_secret",
})
FORM_FIELDS = SECRET_FIELDS | {"code"}  # an OAuth authorization code (in JSON, "code" is an error's code)


def header_value(name: str, value: str) -> str:
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, _, rest = value.partition(" ")
    return f"{scheme} {REDACTED}" if rest and name.lower().endswith("authorization") else REDACTED


def headers(raw: Any) -> list[tuple[str, str]]:
    """ASGI headers (byte pairs) or text pairs, decoded and redacted."""
    out = []
    for key, value in raw or ():
        name = key.decode("latin-1") if isinstance(key, bytes) else key
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        out.append((name, header_value(name, text)))
    return out


def query(text: str) -> str:
    if not text or not any(f in text.lower() for f in FORM_FIELDS):
        return text
    pairs = parse_qsl(text, keep_blank_values=True)
    return urlencode([(k, REDACTED if k.lower() in FORM_FIELDS else v) for k, v in pairs])


def value(data: Any) -> Any:
    """A JSON value with every secret field's value replaced, at any depth."""
    if isinstance(data, dict):
        return {k: REDACTED if isinstance(k, str) and k.lower() in SECRET_FIELDS and v is not None else value(v)
                for k, v in data.items()}
    if isinstance(data, list):
        return [value(v) for v in data]
    return data


def body(raw: bytes, content_type: str | None) -> str:
    """A body as text, its secrets replaced: JSON and forms field by field; other text as it is."""
    if not raw:
        return ""
    text = raw.decode("utf-8", "replace")
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return query(text)
    if kind.endswith("json") or text[:1] in "{[":
        try:
            shown = json.dumps(value(json.loads(text)), ensure_ascii=False, separators=(",", ":"))
        except ValueError:
            return text
        # a lone surrogate (an escape in the body) as the escape it was: the journal's answers must stay writable
        return shown.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
