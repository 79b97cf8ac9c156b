"""The SDK's CloudLink chat operations read the simulator's CloudLink chat: a conversation written through the
CloudLink Chat API shows its tags, becomes ready once someone writes, and its transcript is given to the MiCC
employee a participant's CloudLink user is mapped to (and refused to anyone else)."""

from __future__ import annotations

import httpx

CHAT = "/chat/2017-09-01"


# the operations these tests exercise (the suite's guard looks for each id)
COVERS = [
    "Chat_GetCloudlinkTranscriptReady", "Chat_GetCloudlinkChatTag", "Chat_GetCloudlinkTranscript"
]

def chat_client(live, email: str) -> tuple[httpx.Client, str]:
    token = live.cloudlink_token(email)
    me = live.http.get("/authentication/2017-09-01/token", headers={"Authorization": f"Bearer {token}"}).json()
    return httpx.Client(base_url=live.base_url + CHAT, headers={"Authorization": f"Bearer {token}"}), me[
        "principalId"]


def test_a_cloudlink_chats_tags_readiness_and_transcript(live):
    users = sorted((u for u in live.sim.cloudlink.directory.users.values() if u.micc_employee),
                   key=lambda u: u.email)[:3]
    (ann, ann_id), (bea, bea_id) = chat_client(live, users[0].email), chat_client(live, users[1].email)
    created = ann.post("/conversations", json={"tags": ["vip"], "originalParticipants": [
        {"type": "USER", "participantId": ann_id}, {"type": "USER", "participantId": bea_id}]})
    assert created.status_code == 201, created.text
    cid = created.json()["conversationId"]
    sdk = live.sdk(live.token())
    assert sdk.get(f"/chat/cloudlink/{cid}/tags/VIP").json() is True
    assert sdk.get(f"/chat/cloudlink/{cid}/tags/other").json() is False
    assert sdk.get(f"/chat/cloudlink/{cid}/transcriptready").json() is False
    assert ann.post(f"/conversations/{cid}/messages", json={"body": "Hello Bea"}).status_code == 201
    assert bea.post(f"/conversations/{cid}/messages", json={"body": "Hi Ann"}).status_code == 201
    assert sdk.get(f"/chat/cloudlink/{cid}/transcriptready").json() is True
    transcript = sdk.get(f"/chat/cloudlink/{cid}/transcripts/{users[0].micc_employee}")
    assert transcript.status_code == 200, transcript.text
    lines = transcript.json()["body"].splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [f"{users[0].name}: Hello Bea", f"{users[1].name}: Hi Ann"]
    outsider = sdk.get(f"/chat/cloudlink/{cid}/transcripts/{users[2].micc_employee}")
    assert outsider.status_code == 403
    assert sdk.get("/chat/cloudlink/nope/transcriptready").status_code == 404
