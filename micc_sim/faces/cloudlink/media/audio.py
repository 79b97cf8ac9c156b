"""A recording's audio: a real WAV file at a time-limited, signed URL (the Swagger's ``_embedded.media``).

The Swagger gives each recording ``_embedded.media: {url, expiry}``, "a time limited URL for retrieving the
recording". Here the URL is ``{base}/recordings/{recordingId}/media?expiry=<unix seconds>&signature=<hex>``: the
signature is an HMAC-SHA256 of the recording id and the expiry under a key made when the simulator process starts
(so a URL outlives a reset, not a restart), and the expiry is :data:`URL_LIFETIME` on the simulated clock after the
URL was handed out (inferred: the Swagger gives no lifetime). The URL needs no token, like a presigned object-store
URL; an altered, forged or expired one is a 403.

The audio is 8 kHz mono 16-bit PCM, a quiet 440 Hz tone as long as the recording (its ``durationInSeconds``), cut
at :data:`MAX_AUDIO_SECONDS` so one answer stays small (under 3 MB).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import struct
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

RATE = 8000  # samples per second
MAX_AUDIO_SECONDS = 180.0
URL_LIFETIME = timedelta(hours=1)
AMPLITUDE = 600  # of 32767: quiet
_KEY = secrets.token_bytes(32)  # new in every process


def _one_second() -> bytes:
    """One second of the tone: 440 whole cycles, so seconds join without a click."""
    return b"".join(struct.pack("<h", round(AMPLITUDE * math.sin(2 * math.pi * 440 * n / RATE)))
                    for n in range(RATE))


_SECOND = _one_second()


def audio_seconds(duration: float) -> float:
    return max(0.0, min(float(duration), MAX_AUDIO_SECONDS))


def wav(duration: float) -> bytes:
    """A WAV file of the tone, ``duration`` seconds long (at most :data:`MAX_AUDIO_SECONDS`)."""
    samples = round(audio_seconds(duration) * RATE)
    whole, rest = divmod(samples * 2, len(_SECOND))
    data = _SECOND * whole + _SECOND[:rest]
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(data)) + data


def _signature(recording_id: str, expiry: int) -> str:
    return hmac.new(_KEY, f"{recording_id}\n{expiry}".encode(), hashlib.sha256).hexdigest()


def media_link(base: str, recording_id: str, now: datetime) -> tuple[str, datetime]:
    """The recording's audio URL and when it stops working."""
    expires = now + URL_LIFETIME
    expiry = math.floor(expires.timestamp())
    url = f"{base}/recordings/{quote(recording_id, safe='')}/media?expiry={expiry}&signature=" \
          f"{_signature(recording_id, expiry)}"
    return url, datetime.fromtimestamp(expiry, UTC)


def refusal(recording_id: str, expiry: str | None, signature: str | None, now: datetime) -> str | None:
    """Why a media URL does not open the audio (a sentence for the 403), or None when it does."""
    try:
        seconds = int(expiry or "")
    except ValueError:
        return "the media URL has no valid expiry: get a new one from GET /recordings/{recordingId}"
    if not signature or not hmac.compare_digest(signature, _signature(recording_id, seconds)):
        return "the media URL's signature is not valid: get a new one from GET /recordings/{recordingId}"
    if now.timestamp() >= seconds:
        return (f"the media URL expired at {datetime.fromtimestamp(seconds, UTC).isoformat()}: get a new one "
                "from GET /recordings/{recordingId}")
    return None
