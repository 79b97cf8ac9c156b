"""Contacts: the customers conversations come from, created or matched from what an integration says about an
open-media item (its ``variableData``: name, e-mail, phone) and kept in the directory.

A contact is matched by e-mail address or phone number (any case, digits only for phones): first among the
customers met before, then among the directory's own contacts (world/directory.py: configured, or made with
``POST /directory``); otherwise one is created, when the data names the customer at all. Each match links the
conversation (and its case) to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from micc_sim.world.catalog import not_found
from micc_sim.world.config import stable_id

# variableData keys (compared without case, "_" and "-") that say who the customer is (inferred)
NAME_KEYS = ("name", "customername", "contactname", "fullname", "visitorname")
FIRST_KEYS = ("firstname", "givenname")
LAST_KEYS = ("lastname", "surname", "familyname")
EMAIL_KEYS = ("email", "emailaddress", "customeremail", "contactemail", "visitoremail")
PHONE_KEYS = ("phone", "phonenumber", "customerphone", "contactphone", "telephone")
MOBILE_KEYS = ("mobile", "mobilephone", "cellphone")
_DROP = str.maketrans("", "", " _-\t")  # what key comparison ignores
_KIND = {key: kind for kind, keys in (("name", NAME_KEYS), ("first", FIRST_KEYS), ("last", LAST_KEYS),
                                      ("email", EMAIL_KEYS), ("phone", PHONE_KEYS), ("mobile", MOBILE_KEYS))
         for key in keys}


@dataclass
class Contact:
    id: str
    name: str
    email: str | None
    phone: str | None
    mobile: str | None
    created_on: datetime
    conversation_ids: list[str] = field(default_factory=list)


def _digits(phone: str | None) -> str:
    return "".join(c for c in phone or "" if "0" <= c <= "9")


class Contacts:
    def __init__(self, limit: int, directory: Callable[[], Mapping[str, Any]] = dict) -> None:
        self.directory = directory  # the directory's contacts, as the world holds them now (a restore replaces them)
        self.contacts: dict[str, Contact] = {}
        self.limit = max(1, limit)
        self._of: dict[str, list[str]] = {}  # conversation id -> its contacts' ids (every conversation model asks)
        self._by_key: dict[str, str] = {}  # lower-cased e-mail or a phone's digits -> contact id (matching is O(1))

    def get(self, ref: str) -> Contact:
        contact = self.contacts.get(ref) or next(
            (c for c in self.contacts.values() if c.id.lower() == ref.lower()), None)
        if contact is None:
            raise not_found(f"contact {ref!r} not found")
        return contact

    def match(self, data: dict[str, object], conversation_id: str, now: datetime) -> Contact | None:
        """The contact ``data`` names (matched, or created), linked to the conversation; None if it names none."""
        found: dict[str, str] = {}  # which of name, first, last, email, phone, mobile: the first key of each kind
        for k, v in data.items():
            kind = _KIND.get(k.translate(_DROP).lower() if isinstance(k, str) else "")
            if kind is not None and kind not in found and isinstance(v, str | int | float):
                text = str(v).strip()
                if text:
                    found[kind] = text
        if not found:
            return None
        email, phone, mobile = found.get("email"), found.get("phone"), found.get("mobile")
        name = found.get("name") or " ".join(p for p in (found.get("first"), found.get("last")) if p)
        if not (email or phone or mobile or name):
            return None
        contact = self._find(email, phone or mobile)
        if contact is None and (known := self._in_directory(email, phone or mobile)) is not None:
            self._link(conversation_id, known.id)
            return self.find(known.id)
        if contact is None:
            if len(self.contacts) >= self.limit:
                gone = self.contacts.pop(next(iter(self.contacts)))
                for other in gone.conversation_ids:
                    self._of.pop(other, None)
                self._by_key = {k: v for k, v in self._by_key.items() if v != gone.id}
            key = email or _digits(phone or mobile) or f"{name}:{conversation_id}"
            contact = Contact(stable_id("contact", key), name or email or phone or mobile or "", email, phone,
                              mobile, now)
            self.contacts[contact.id] = contact
            self._index(contact)
        elif (not contact.name and name) or (not contact.email and email) or (not contact.phone and phone) or (
                not contact.mobile and mobile):  # what the new conversation adds to what was known
            contact.name = contact.name or name
            contact.email = contact.email or email
            contact.phone = contact.phone or phone
            contact.mobile = contact.mobile or mobile
            self._index(contact)
        if conversation_id not in contact.conversation_ids:
            contact.conversation_ids.append(conversation_id)
        self._link(conversation_id, contact.id)
        return contact

    def _link(self, conversation_id: str, contact_id: str) -> None:
        linked = self._of.setdefault(conversation_id, [])
        if contact_id not in linked:
            linked.append(contact_id)

    def _in_directory(self, email: str | None, phone: str | None) -> Any:
        """The directory contact with this e-mail address or phone number (a scan: the directory is small)."""
        wanted_mail, wanted_phone = (email or "").lower(), _digits(phone)
        for entry in self.directory().values():
            if (wanted_mail and (entry.email or "").lower() == wanted_mail) or (wanted_phone and wanted_phone in (
                    _digits(entry.phone), _digits(entry.mobile_phone))):
                return entry
        return None

    def find(self, contact_id: str) -> Contact | None:
        """A customer, or a directory contact seen as one (the fields a conversation shows of it)."""
        found = self.contacts.get(contact_id)
        if found is not None:
            return found
        entry = self.directory().get(contact_id)
        if entry is None:
            return None
        return Contact(entry.id, entry.name, entry.email, entry.phone, entry.mobile_phone, entry.created_on,
                       [c for c, ids in self._of.items() if entry.id in ids])

    def _find(self, email: str | None, phone: str | None) -> Contact | None:
        for key in (email.lower() if email else "", _digits(phone)):
            found = self.contacts.get(self._by_key.get(key, "")) if key else None
            if found is not None:
                return found
        return None

    def _index(self, contact: Contact) -> None:
        for key in (contact.email.lower() if contact.email else "", _digits(contact.phone), _digits(contact.mobile)):
            if key:
                self._by_key.setdefault(key, contact.id)

    def of_conversation(self, conversation_id: str) -> list[Contact]:
        return [c for i in self._of.get(conversation_id, ()) if (c := self.find(i)) is not None]
