"""Reply templates answer from the world: an agent's personal templates per media (Chat, Email, Sms) as files in
a folder tree, and the site's global templates, which the SDK creates, changes and deletes."""

from __future__ import annotations

import pytest

from micc_sim.world.config import QueueConfig
from micc_sim.world.model import MediaType
from micc_sim.world.seed import default_world

# what the parametrized tests below exercise (the suite's guard looks for each operation's id)
COVERS = [
    "Chat_GetPersonalReplyTemplates", "Chat_GetReplyTemplatesBaseDirectory", "Chat_GetPersonalReplyTemplateContent",
    "Chat_GetReplyTemplate", "Chat_GetPersonalReplyTemplateFileNames", "Chat_GetPersonalReplyTemplateFolders",
    "Email_GetPersonalReplyTemplates", "Email_GetReplyTemplatesBaseDirectory",
    "Email_GetPersonalReplyTemplateContent", "Email_GetReplyTemplate", "Email_GetPersonalReplyTemplateFileNames",
    "Email_GetPersonalReplyTemplateFolders", "Sms_GetPersonalReplyTemplates", "Sms_GetReplyTemplatesBaseDirectory",
    "Sms_GetPersonalReplyTemplateContent", "Sms_GetReplyTemplate", "Sms_GetPersonalReplyTemplateFileNames",
    "Sms_GetPersonalReplyTemplateFolders", "Chat_GetReplyTemplateFileAccess", "Chat_GetReplyTemplateDirectoryAccess",
    "Email_GetReplyTemplateFileAccess", "Email_GetReplyTemplateDirectoryAccess", "Sms_GetSmsQueues",
    "Email_GetQueueEmails"
]


def agent_sdk(live, reporting: str = "1001"):
    admin = live.sdk(live.token())
    agent = next(a for a in admin.get("/employees").json()["_embedded"]["items"] if a.get("reporting") == reporting)
    return live.sdk(live.token(agent["username"], "password")), agent


@pytest.mark.parametrize("media", ["chat", "emails", "sms"])
def test_an_agents_personal_templates_are_the_files_of_their_folder_tree(live, media):
    sdk, agent = agent_sdk(live)
    base = sdk.get(f"/{media}/replytemplates/basedirectory").json()
    files = sdk.get(f"/{media}/replytemplates").json()
    assert files and all(f["path"].startswith(f"{base}\\{agent['username']}\\") for f in files)
    tree = sdk.get(f"/{media}/replytemplates/folders").json()
    assert tree["label"] == agent["username"] and tree["noLeaf"] is True

    def leaves(node):
        return [node["data"]["path"]] if not node["noLeaf"] else [p for c in node["children"] for p in leaves(c)]

    assert sorted(leaves(tree)) == sorted(f["path"] for f in files)
    names = sdk.get(f"/{media}/replytemplates/filenames").json()
    for f, named in zip(files, names, strict=True):
        assert sdk.get(f"/{media}/replytemplates/content", params={"fileName": named["name"]}).json() == {
            "string": f["template"]}
        assert sdk.get(f"/{media}/replytemplates/template", params={"filePath": f["path"]}).json() == f
    missing = sdk.get(f"/{media}/replytemplates/template", params={"filePath": f"{base}\\nobody\\x.txt"})
    assert missing.status_code == 404
    assert sdk.get(f"/{media}/replytemplates/content").status_code == 400


@pytest.mark.parametrize("media", ["chat", "emails"])
def test_access_checks_answer_for_what_exists_only(live, media):
    sdk, _ = agent_sdk(live)
    base = sdk.get(f"/{media}/replytemplates/basedirectory").json()
    path = sdk.get(f"/{media}/replytemplates").json()[0]["path"]
    def check(what: str, path: str) -> str:
        return sdk.get(f"/{media}/replytemplates/{what}", params={"filePath": path}).json()

    assert (check("fileaccess", path), check("directoryaccess", base)) == ("True", "True")
    assert (check("directoryaccess", path), check("fileaccess", base), check("fileaccess", base + "\\x")) == (
        "False", "False", "False")


def test_the_sender_queues_are_the_worlds_sms_and_email_queues(live_with):
    config = default_world()
    config.queues += [QueueConfig(name="Texts", reporting="P6001", media_type=MediaType.Sms),
                      QueueConfig(name="Mailbox", reporting="P6002", media_type=MediaType.Email)]
    live = live_with(world=config)
    sdk = live.sdk(live.token())
    assert [q["name"] for q in sdk.get("/sms/queues").json()["_embedded"]["items"]] == ["Texts"]
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()
    senders = sdk.get(f"/emails/{item['id']}/queueemails").json()["_embedded"]["items"]
    assert [(q["name"], q["mediaType"]) for q in senders] == [("Mailbox", "Email")]
    assert sdk.get("/emails/nope/queueemails").status_code == 404


def test_a_global_template_written_is_read_back_changed_and_deleted(live):
    sdk = live.sdk(live.token())
    site = sdk.get("/sites").json()["_embedded"]["items"][0]["id"]
    queue = sdk.get("/queues/P8001").json()
    before = sdk.get("/globalreplytemplates").json()["count"]
    created = sdk.post("/globalreplytemplates", json={
        "siteId": site, "template": "<p>Refund</p>", "templateText": "Refund", "media": "Chat",
        "tags": "billing,refunds", "queues": [{"id": queue["id"]}]})
    assert created.status_code == 201, created.text
    template = created.json()
    assert template["queues"][0]["name"] == "Sales Chat"
    assert sdk.get(created.headers["Location"]).json() == template
    assert sdk.get("/globalreplytemplates").json()["count"] == before + 1
    assert [t["id"] for t in sdk.get("/globalreplytemplates", params={"search": "refund"}).json()[
        "_embedded"]["items"]] == [template["id"]]
    tags = {t["name"]: t["count"] for t in sdk.get("/globalreplytemplates/tags").json()["_embedded"]["items"]}
    assert tags["billing"] == 1
    changed = sdk.put(f"/globalreplytemplates/{template['id']}", json={
        "siteId": site, "template": "<p>Refunds</p>", "templateText": "Refunds", "media": "Email", "tags": "billing"})
    assert changed.status_code == 200, changed.text
    again = sdk.get(f"/globalreplytemplates/{template['id']}").json()
    assert (again["templateText"], again["media"], again["queues"], again["createdOn"]) == (
        "Refunds", "Email", [], template["createdOn"])
    assert sdk.delete(f"/globalreplytemplates/{template['id']}").status_code == 200
    assert sdk.get(f"/globalreplytemplates/{template['id']}").status_code == 404
    assert sdk.delete(f"/globalreplytemplates/{template['id']}").status_code == 404
    assert "refunds" not in {t["name"] for t in sdk.get("/globalreplytemplates/tags").json()["_embedded"]["items"]}


def test_a_refused_global_template_names_the_field_and_stores_nothing(live):
    sdk = live.sdk(live.token())
    before = sdk.get("/globalreplytemplates").json()
    for body, field in [({"siteId": "00000000-0000-0000-0000-000000000000", "template": "x"}, "model.SiteId"),
                        ({"siteId": sdk.get("/sites").json()["_embedded"]["items"][0]["id"],
                          "queues": [{"id": "no-such-queue"}]}, "model.Queues")]:
        r = sdk.post("/globalreplytemplates", json=body)
        assert r.status_code == 400, r.text
        assert field in r.json()["modelState"]
    assert sdk.put("/globalreplytemplates/nope", json={"siteId": "x"}).status_code == 404
    assert sdk.get("/globalreplytemplates").json() == before
