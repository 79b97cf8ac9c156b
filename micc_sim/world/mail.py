"""E-mail content beyond the subject and body an e-mail interaction carries: its attachments and inline images
(files the customer sent), and the drafts an agent opens from it (reply, forward, new), derived from the e-mail
itself. Bounded: at most ``MAX_FILES`` files of ``MAX_BYTES`` in all per e-mail."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from micc_sim.world.catalog import not_found
from micc_sim.world.config import stable_id

MAX_FILES = 20
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class MailFile:
    name: str
    content_type: str
    data: bytes
    inline: bool  # an image shown in the body (an e-mail's images) rather than an attachment
    resource_id: str


def parse_files(conversation_key: str, entries: object) -> list[MailFile]:
    """``[{name, content (Base64), content_type?, inline?}]`` checked whole (ValueError says what is wrong)."""
    if entries is None:
        return []
    if not isinstance(entries, list) or len(entries) > MAX_FILES:
        raise ValueError(f"attachments must be a list of at most {MAX_FILES} files")
    files, total = [], 0
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise ValueError(f"attachments[{n}] needs a name")
        try:
            data = base64.b64decode(str(entry.get("content") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"attachments[{n}].content is not valid Base64") from None
        total += len(data)
        if total > MAX_BYTES:
            raise ValueError(f"attachments are larger than {MAX_BYTES} bytes in all")
        files.append(MailFile(entry["name"], str(entry.get("content_type") or "application/octet-stream"), data,
                              bool(entry.get("inline")), stable_id("mailresource", f"{conversation_key}:{n}")))
    return files


class Mail:
    def __init__(self) -> None:
        self.files: dict[str, list[MailFile]] = {}  # conversation id -> its files

    def attach(self, conversation_id: str, files: list[MailFile]) -> None:
        if files:
            self.files[conversation_id] = [MailFile(f.name, f.content_type, f.data, f.inline,
                                                    stable_id("mailresource", f"{conversation_id}:{n}"))
                                           for n, f in enumerate(files)]

    def attachments(self, conversation_id: str) -> list[MailFile]:
        return [f for f in self.files.get(conversation_id, []) if not f.inline]

    def images(self, conversation_id: str) -> list[MailFile]:
        return [f for f in self.files.get(conversation_id, []) if f.inline]

    def attachment(self, conversation_id: str, name: str) -> MailFile:
        for f in self.attachments(conversation_id):
            if f.name.lower() == name.lower():
                return f
        raise not_found(f"attachment {name!r} of e-mail {conversation_id!r} not found")

    def image(self, conversation_id: str, resource_id: str) -> MailFile:
        for f in self.images(conversation_id):
            if resource_id.lower() in (f.resource_id.lower(), f.name.lower()):
                return f
        raise not_found(f"image {resource_id!r} of e-mail {conversation_id!r} not found")
