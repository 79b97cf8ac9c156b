"""The contact directory's own entries: contacts (database and Elasticsearch), Active Directory users, contacts
and groups. Employees and queues are in the directory too, as the world has them; the MiCC face lists them
side by side.

Contacts are created and updated through the MiCC SDK (``POST``/``PUT /directory``); Mitel's contacts
sample sends only ``Name``, ``Email``, ``Phone``, ``Extension`` and ``MobilePhone``, no type and no site: a
contact created so is an Elasticsearch contact (the kind the sample's search offers as "External", *inferred*)
of the world's site. Active Directory entries are read-only, as they come from AD (set them in the world file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from micc_sim.world.config import stable_id

if TYPE_CHECKING:
    from micc_sim.world.core import World


class ContactKind(StrEnum):
    """The directory entry types of a contact, named as the MiCC SDK's DirectoryEntryType names them."""

    Contact = "Contact"
    ElasticContact = "ElasticContact"
    ADUser = "ADUser"
    ADContact = "ADContact"
    ADGroup = "ADGroup"


READ_ONLY = frozenset({ContactKind.ADUser, ContactKind.ADContact, ContactKind.ADGroup})
EDITABLE = ("name", "email", "phone", "mobile_phone", "extension", "custom")
MAX_SEARCH = 256  # characters of a $search: longer is refused rather than scanned


class DirectoryError(ValueError):
    """A directory change the world refuses."""


@dataclass
class Contact:
    id: str
    name: str
    kind: ContactKind = ContactKind.ElasticContact
    email: str | None = None
    phone: str | None = None
    mobile_phone: str | None = None
    extension: str | None = None
    custom: dict[str, str | None] = field(default_factory=dict)
    created_on: datetime | None = None
    modified_on: datetime | None = None


def add_contact(world: World, kind: ContactKind | None = None, **fields: Any) -> Contact:
    """A new contact (an Elasticsearch contact unless ``kind`` says otherwise)."""
    kind = kind or ContactKind.ElasticContact
    if kind in READ_ONLY:
        raise DirectoryError(f"{kind.value} entries come from Active Directory and cannot be created here.")
    now = world.clock.now()
    contact = Contact(id=stable_id("contact", f"created:{len(world.contacts)}"), name="", kind=kind,
                      created_on=now, modified_on=now)
    _apply(contact, fields)
    world.contacts[contact.id] = contact
    return contact


def update_contact(world: World, contact: Contact, **fields: Any) -> Contact:
    if contact.kind in READ_ONLY:
        raise DirectoryError(f"{contact.kind.value} entries come from Active Directory and are read-only.")
    _apply(contact, fields)
    contact.modified_on = world.clock.now()
    return contact


def _apply(contact: Contact, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name not in EDITABLE:
            raise DirectoryError(f"a contact has no field {name!r}")
        if name == "custom":
            contact.custom = dict(value or {})
        else:
            setattr(contact, name, value if name == "name" else (value or None))
    if not (contact.name or "").strip():
        raise DirectoryError("A contact needs a name.")


def search_terms(text: str) -> list[str]:
    """The words of an OData ``$search`` (``'Ada Lovelace'``, quotes optional), lower-cased."""
    if len(text) > MAX_SEARCH:
        raise DirectoryError(f"$search is limited to {MAX_SEARCH} characters.")
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\"":
        stripped = stripped[1:-1]
    return [word.lower() for word in stripped.split() if word]


def matches(terms: list[str], values: list[str | None]) -> bool:
    """Every term is in one of the values (in any case): how the directory search narrows (*inferred*)."""
    folded = [v.lower() for v in values if v]
    return all(any(term in value for value in folded) for term in terms)
