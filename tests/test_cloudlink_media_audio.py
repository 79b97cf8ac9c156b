"""CloudLink Media: recordings' audio at signed, time-limited URLs, conference recordings, call outcome callbacks.

End to end through a live simulator on the manual clock: the Swagger's ``_embedded.media``, the conference's
``record`` / ``pause-record`` / ``resume-record`` / ``stop-record``, and ``successUrl`` / ``failureUrl`` /
``executeOnAnswer: bridge`` of ``POST /endpoints/{id}/calls``.
"""

from __future__ import annotations

import io
import json
import wave
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
from cloudlink_notify import receiver

from tests.test_cloudlink_media import MEDIA, act, call, guide_world, leg


def _recorded_call(live, media: httpx.Client, seconds: float) -> dict:
    call_id = call(media, "2001", "2002", record=True)
    act(media, "2002", call_id, action="answer")
    live.advance(seconds)
    act(media, "2001", call_id, action="end")
    [recording] = [r for r in media.get("/recordings").json()["_embedded"]["items"] if r["callId"] == call_id]
    return recording


def test_a_recording_s_audio_is_a_wav_as_long_as_the_call_at_a_url_that_expires_and_cannot_be_forged(live_with):
    live = live_with(world=guide_world())
    with live.cloudlink("admin@wagner.example.com", MEDIA) as media:
        recording = _recorded_call(live, media, 7)
        got = media.get(f"/recordings/{recording['recordingId']}").json()
        link = got["_embedded"]["media"]
        assert set(link) == {"url", "expiry"} and got["durationInSeconds"] == 7
        assert link["url"].startswith(f"{live.base_url}{MEDIA}/recordings/{recording['recordingId']}/media?")

        audio = httpx.get(link["url"])  # no token: the URL is the credential
        assert audio.status_code == 200, audio.text
        assert audio.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(audio.content)) as w:
            assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (1, 8000, 2)
            assert w.getnframes() == 7 * 8000

        parts = urlsplit(link["url"])
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        later = f"expiry={int(query['expiry']) + 86400}&signature={query['signature']}"
        forged = urlunsplit(parts._replace(query=later))
        refused = httpx.get(forged)
        assert refused.status_code == 403 and refused.json()["name"] == "ForbiddenError", refused.text
        assert "signature" in refused.json()["message"]

        live.advance(3601)  # past the URL's hour
        expired = httpx.get(link["url"])
        assert expired.status_code == 403 and "expired" in expired.json()["message"], expired.text
    with live.cloudlink("admin@wagner.example.com", MEDIA) as media:  # a new token: the hour outlived the old one
        fresh = media.get(f"/recordings/{recording['recordingId']}").json()["_embedded"]["media"]["url"]
        assert httpx.get(fresh).status_code == 200  # a new URL works again


def test_a_conference_is_recorded_from_record_to_stop_without_its_pauses_and_wrong_steps_are_409(live_with):
    live = live_with(world=guide_world())
    with live.cloudlink("phone2001@wagner.example.com", MEDIA) as owner:
        me = owner.get("/endpoints/2001").json()["userId"]
        cid = owner.post("/conferences", json={"name": "weekly"}).json()["id"]
        not_yet = owner.post(f"/conferences/{cid}", json={"action": "record"})
        assert not_yet.status_code == 409 and not_yet.json()["name"] == "ConflictError"
        assert "nobody is in it" in not_yet.json()["message"]
        owner.put(f"/conferences/{cid}/participants/{me}", json={"state": "active"})

        started = owner.post(f"/conferences/{cid}", json={"action": "record"})
        assert started.status_code == 200, started.text
        assert started.json()["recordingState"] == "recording"
        recording_id = started.json()["recordingId"]
        again = owner.post(f"/conferences/{cid}", json={"action": "record"})
        assert again.status_code == 409 and "already being recorded" in again.json()["message"]
        live.advance(10)
        assert owner.post(f"/conferences/{cid}", json={"action": "pause-record"}).json()["recordingState"] == "paused"
        live.advance(100)  # paused: not recorded
        assert owner.post(f"/conferences/{cid}", json={"action": "pause-record"}).status_code == 409
        assert owner.post(f"/conferences/{cid}", json={"action": "resume-record"}).json()["recordingState"] \
            == "recording"
        live.advance(5)
        stopped = owner.post(f"/conferences/{cid}", json={"action": "stop-record"}).json()
        assert (stopped["recordingState"], stopped["recordingId"]) == ("notRecording", None)
        assert owner.post(f"/conferences/{cid}", json={"action": "stop-record"}).status_code == 409

        listed = owner.get("/recordings", params={"$filter": f"callId eq '{cid}'"}).json()["_embedded"]["items"]
        assert [(r["recordingId"], r["state"], r["durationInSeconds"]) for r in listed] == \
            [(recording_id, "completed", 15)]
        with wave.open(io.BytesIO(httpx.get(listed[0]["_embedded"]["media"]["url"]).content)) as w:
            assert w.getnframes() == 15 * 8000
        [attended] = owner.get(f"/users/{me}/attendance").json()["_embedded"]["items"]
        assert attended["recordings"] == [recording_id]


def test_success_and_failure_urls_get_one_post_with_the_call_and_bridge_joins_the_associated_call(live_with):
    live = live_with(world=guide_world())
    with live.cloudlink("admin@wagner.example.com", MEDIA) as media, receiver() as hook:
        answered = call(media, "2001", "2002", successUrl=f"{hook.url}/ok", failureUrl=f"{hook.url}/failed")
        act(media, "2002", answered, action="answer")
        unanswered = call(media, "3001", "4001", originateTimeout=15, successUrl=f"{hook.url}/only")
        live.advance(15)  # nobody answers: failure, to successUrl as the Swagger says when no failureUrl is given
        [(_, first, _), (_, second, _)] = hook.wait_for(2)
        posts = sorted((json.loads(first), json.loads(second)), key=lambda b: b["callId"])
        assert [(b["callId"], b["result"], b["state"], b["cause"], b["endpointId"]) for b in posts] == [
            (answered, "success", "connected", "newCall", "2001"),
            (unanswered, "failure", "completed", "callNotAnswer", "3001")]
        act(media, "2002", answered, action="end")  # after the answer: no second POST
        assert media.post("/endpoints/2001/calls", json={"to": "2002", "successUrl": "ftp://x"}).status_code == 400
        own = media.post("/endpoints/2001/calls", json={"to": "2002", "successUrl": f"{live.base_url}/_sim/reset"})
        assert own.status_code == 400 and own.json()["name"] == "ValidationError"

        # executeOnAnswer bridge: 2001 talks to an outside number, calls 3001 and bridges them on answer
        outside = call(media, "2001", "+16135550100")
        live.advance(5)  # the outside party answers
        bridged = call(media, "2001", "3001", associatedCallId=outside, executeOnAnswer="bridge")
        act(media, "3001", bridged, action="answer")
        moved = leg(media, "3001", outside)
        assert (moved["state"], moved["cause"]) == ("connected", "transfer")
        assert media.get(f"/endpoints/2001/calls/{bridged}").status_code == 404  # the caller's new leg ended
        no_call = media.post("/endpoints/2001/calls", json={"to": "3001", "executeOnAnswer": "bridge"})
        assert no_call.status_code == 400, no_call.text
        assert len(hook.received) == 2
