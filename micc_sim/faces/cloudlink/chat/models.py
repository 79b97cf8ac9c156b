"""CloudLink Chat (the Conversations API of the CloudLink guides): conversations, participants, messages, reactions,
attachments and commands of one simulator, as pure domain.

What the guide states is a rule here: direct conversations (``stream`` false) have fixed participants and are
always private; stream conversations are PUBLIC or PRIVATE and take participants as needed; a participant is
INVITED by default and a BLOCKED one cannot rejoin; ``lastReadMessageDate`` drives unread counts; attachments
are at most 10 MB; ``fallbackText`` is required when a message is not ``text/plain``; a message's tag cannot
change; WHO, KICK, LEAVE and SHRUG are account-level commands. What it leaves open is decided here and listed
in ``docs/cloudlink-chat.md`` (who may do what, which participant status changes are allowed).

Every change is recorded as a :class:`Change` (method + resource + who may be told); the face drains them
after a request and publishes each on ``platform-api-conversations``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from micc_sim.faces.cloudlink.errors import DirectoryError, known, not_found
from micc_sim.world.cloudlink_config import cl_id

ATTACHMENT_LIMIT = 10 * 1024 * 1024  # "up to 10MB" (CloudLink guides), read as MiB
ATTACHMENTS_TOTAL = 256 * 1024 * 1024  # every attachment the simulator keeps: one account cannot fill its memory
SHRUG = "¯\\_(ツ)_/¯"
PLAIN_TEXT = "text/plain"

INVITED, ACCEPTED, DECLINED, BLOCKED = "INVITED", "ACCEPTED", "DECLINED", "BLOCKED"
PUBLIC, PRIVATE = "PUBLIC", "PRIVATE"
VISIBLE, HIDDEN = "VISIBLE", "HIDDEN"


class ChatError(DirectoryError):
    """A chat command refused; rendered in CloudLink's error shape by the face."""


def bad_request(message: str) -> ChatError:
    return ChatError(400, "BadRequestError", message)


def forbidden(message: str) -> ChatError:
    return ChatError(403, "ForbiddenError", message)


def conflict(message: str) -> ChatError:
    return ChatError(409, "ConflictError", message)


class Actor(Enum):
    """What the caller is to a participant whose status changes."""

    SELF = "the participant"
    MEMBER = "an accepted participant"
    MODERATOR = "the conversation's creator or an account admin"


# Who may move a participant from one status to another (None: not a participant yet, i.e. being added).
# Account admins count as every actor. Pairs not listed are refused.
STATUS_RULES: dict[tuple[str | None, str], frozenset[Actor]] = {
    (None, INVITED): frozenset({Actor.MEMBER, Actor.MODERATOR}),
    (None, ACCEPTED): frozenset({Actor.SELF, Actor.MODERATOR}),  # joining; a private stream needs an invitation
    (None, BLOCKED): frozenset({Actor.MODERATOR}),
    (INVITED, ACCEPTED): frozenset({Actor.SELF}),
    (INVITED, DECLINED): frozenset({Actor.SELF}),
    (ACCEPTED, DECLINED): frozenset({Actor.SELF}),
    (DECLINED, ACCEPTED): frozenset({Actor.SELF}),
    (DECLINED, INVITED): frozenset({Actor.MEMBER, Actor.MODERATOR}),
    (INVITED, BLOCKED): frozenset({Actor.MODERATOR}),
    (ACCEPTED, BLOCKED): frozenset({Actor.MODERATOR}),
    (DECLINED, BLOCKED): frozenset({Actor.MODERATOR}),
    (BLOCKED, INVITED): frozenset({Actor.MODERATOR}),  # only a moderator lifts a block: the blocked cannot rejoin
}


@dataclass(frozen=True)
class Caller:
    """Who asks: the token's principal, and whether it administers an account (ACCOUNT_ADMIN, PARTNER_ADMIN)."""

    principal_id: str
    account_id: str
    name: str | None
    guest: bool
    administers: Callable[[str], bool]

    def admin_of(self, conversation: Conversation) -> bool:
        return self.administers(conversation.account_id)


@dataclass(frozen=True)
class Person:
    """Someone a request names as a participant: a user of the directory (with account and name) or a guest
    or contact principal the directory does not know (account None)."""

    principal_id: str
    name: str | None = None
    account_id: str | None = None


@dataclass
class Participant:
    participant_id: str  # the userId, or a guest's principalId / contactId
    conversation_id: str
    status: str
    created_on: datetime
    modified_on: datetime
    conversation_visibility: str = VISIBLE
    participant_type: str = "USER"
    name: str | None = None
    last_read_message_date: datetime | None = None
    added_by: str | None = None
    seq: int = 0  # creation order (snapshots keep dicts sorted by key, so order is kept here)


@dataclass
class Reaction:
    reaction_id: str
    conversation_id: str
    message_id: str
    participant_id: str
    reaction: str
    created_on: datetime
    seq: int = 0


@dataclass
class Message:
    message_id: str
    conversation_id: str
    body: str
    content_type: str
    created_on: datetime
    modified_on: datetime
    sender_id: str | None = None  # None for system messages
    sender_name: str | None = None
    fallback_text: str | None = None
    parent_message_id: str | None = None
    tag: str | None = None
    message_type: str = "USER"  # USER | SYSTEM
    reactions: dict[str, Reaction] = field(default_factory=dict)
    seq: int = 0

    def __post_init__(self) -> None:
        self.reactions = _in_order(self.reactions)


@dataclass
class Attachment:
    attachment_id: str
    conversation_id: str
    content_type: str
    data: bytes
    created_by: str
    created_on: datetime
    modified_on: datetime
    file_name: str | None = None
    description: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    seq: int = 0

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Conversation:
    conversation_id: str
    account_id: str
    created_by: str
    created_on: datetime
    modified_on: datetime
    stream: bool = False
    visibility: str = PRIVATE
    hidden: bool = False
    generate_system_messages: bool = False
    name: str | None = None
    language_code: str | None = None
    thumbnail_url: str | None = None
    access_code: str | None = None
    tags: list[str] = field(default_factory=list)
    original_participants: list[str] = field(default_factory=list)
    participants: dict[str, Participant] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)  # in the order they were posted
    attachments: dict[str, Attachment] = field(default_factory=dict)
    seq: int = 0

    def __post_init__(self) -> None:
        self.participants = _in_order(self.participants)
        self.messages = _in_order(self.messages)
        self.attachments = _in_order(self.attachments)

    @property
    def public(self) -> bool:
        return self.stream and self.visibility == PUBLIC

    def participant(self, participant_id: str) -> Participant | None:
        return self.participants.get(participant_id)

    # -- access (see docs/cloudlink-chat.md, "Who may do what") ---------------------------------------------
    def status_of(self, who: Caller) -> str | None:
        found = self.participants.get(who.principal_id)
        return found.status if found else None

    def visible_to(self, who: Caller) -> bool:
        """The conversation itself: admins, participants not BLOCKED, and the account's users for a public stream."""
        status = self.status_of(who)
        if who.admin_of(self) or status in (INVITED, ACCEPTED, DECLINED):
            return True
        return self.public and status is None and not who.guest and who.account_id == self.account_id

    def readable_by(self, who: Caller) -> bool:
        """Messages, participants, reactions, attachments: as visible, but not for a DECLINED participant."""
        return self.visible_to(who) and self.status_of(who) != DECLINED

    def writable_by(self, who: Caller) -> bool:
        """Posting, reacting, typing, uploading: admins and ACCEPTED participants."""
        return who.admin_of(self) or self.status_of(who) == ACCEPTED

    def moderated_by(self, who: Caller) -> bool:
        return who.admin_of(self) or who.principal_id == self.created_by

    def actors(self, who: Caller, participant_id: str) -> set[Actor]:
        if who.admin_of(self):
            return set(Actor)
        found: set[Actor] = set()
        if who.principal_id == participant_id:
            found.add(Actor.SELF)
        if self.status_of(who) == ACCEPTED:
            found.add(Actor.MEMBER)
        if who.principal_id == self.created_by:
            found.add(Actor.MODERATOR)
        return found

    def audience(self, *also: str) -> list[str] | None:
        """Who may be notified of a change: anyone subscribed for a public stream, else the participants that
        are not BLOCKED and the creator (plus ``also``, e.g. a participant just removed)."""
        if self.public:
            return None
        ids = [p.participant_id for p in self.participants.values() if p.status != BLOCKED]
        return list(dict.fromkeys([*ids, self.created_by, *also]))

    def unread_count(self, participant: Participant) -> int:
        """Messages of others posted after the participant's ``lastReadMessageDate`` (compared to the millisecond,
        as the wire shows times)."""
        since = _ms(participant.last_read_message_date) if participant.last_read_message_date else None
        return sum(1 for m in self.messages.values()
                   if m.sender_id != participant.participant_id and (since is None or _ms(m.created_on) > since))

    def last_message(self) -> Message | None:
        return next(reversed(self.messages.values()), None)


@dataclass(frozen=True)
class Typing:
    """A typing indicator: published, never stored."""

    conversation_id: str
    participant_id: str
    action: str  # START | STOP
    name: str | None = None


@dataclass
class Command:
    command_id: str
    name: str
    action: str  # WHO | KICK | LEAVE | MESSAGE
    created_on: datetime | None = None
    account_id: str | None = None  # None: built in, in every account
    description: str | None = None
    text: str | None = None  # what MESSAGE posts (or appends to the arguments)
    seq: int = 0

    @property
    def built_in(self) -> bool:
        return self.account_id is None


BUILT_IN_COMMANDS = (
    Command("who", "WHO", "WHO", description="Lists the participants of the conversation"),
    Command("kick", "KICK", "KICK", description="Removes the participant named in the arguments"),
    Command("leave", "LEAVE", "LEAVE", description="Removes you from the conversation"),
    Command("shrug", "SHRUG", "MESSAGE", description=f"Posts {SHRUG}, appended to the arguments if any",
            text=SHRUG),
)
COMMAND_ACTIONS = ("WHO", "KICK", "LEAVE", "MESSAGE")


@dataclass
class CommandResult:
    command: Command
    conversation_id: str
    message: Message | None = None
    participant: Participant | None = None
    participants: list[Participant] | None = None


@dataclass(frozen=True)
class Change:
    """Something a request changed, to publish: ``method`` (POST/PUT/DELETE) and the resource as it is now (as
    it was, for a deletion); ``audience`` None means anyone subscribed may be told."""

    method: str
    resource: Any
    audience: list[str] | None
    account_id: str


def _in_order(entries: dict[str, Any]) -> dict[str, Any]:
    """``entries`` in creation order (a snapshot restores them sorted by key)."""
    return dict(sorted(entries.items(), key=lambda item: item[1].seq))


def _ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _is_plain_text(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == PLAIN_TEXT


@dataclass
class Chat:
    """Every conversation and custom command of the tenant; ids are stable per run (a counter)."""

    conversations: dict[str, Conversation] = field(default_factory=dict)
    commands: dict[str, Command] = field(default_factory=dict)  # custom commands, by id
    issued: int = 0

    def __post_init__(self) -> None:
        self.conversations = _in_order(self.conversations)
        self.commands = _in_order(self.commands)
        self.changes: list[Change] = []  # drained by the face after each request; not part of snapshots

    def drain(self) -> list[Change]:
        changes, self.changes = self.changes, []
        return changes

    def _next(self) -> int:
        self.issued += 1
        return self.issued

    @staticmethod
    def _id(kind: str, seq: int) -> str:
        return cl_id(f"chat-{kind}", str(seq))

    def _record(self, method: str, resource: Any, conversation: Conversation, *also: str) -> None:
        self.changes.append(Change(method, resource, conversation.audience(*also), conversation.account_id))

    # -- conversations ---------------------------------------------------------------------------------------
    def conversation(self, who: Caller, conversation_id: str) -> Conversation:
        """The conversation if the caller may see it; 404 otherwise (a private one is not disclosed)."""
        found = self.conversations.get(conversation_id)
        if found is None or not found.visible_to(who):
            raise not_found(f"conversation {conversation_id!r}")
        return found

    def readable(self, who: Caller, conversation_id: str) -> Conversation:
        found = self.conversation(who, conversation_id)
        if not found.readable_by(who):
            raise forbidden(f"you declined conversation {conversation_id}: accept it again to read it")
        return found

    def writable(self, who: Caller, conversation_id: str) -> Conversation:
        found = self.conversation(who, conversation_id)
        if not found.writable_by(who):
            status = found.status_of(who)
            hint = "accept the invitation first" if status == INVITED else (
                "join it first (add yourself as a participant)" if status is None else f"you are {status}")
            raise forbidden(f"only accepted participants take part in conversation {conversation_id}: {hint}")
        return found

    def moderated(self, who: Caller, conversation_id: str) -> Conversation:
        found = self.conversation(who, conversation_id)
        if not found.moderated_by(who):
            raise forbidden(f"only the creator of conversation {conversation_id} or an account admin may do this")
        return found

    def listed(self, who: Caller, include_hidden: bool) -> list[Conversation]:
        """What ``GET /conversations`` shows: the caller's account's conversations it may see (hidden ones only
        when asked for)."""
        return [c for c in self.conversations.values()
                if c.account_id == who.account_id and c.visible_to(who) and (include_hidden or not c.hidden)]

    def create_conversation(self, who: Caller, now: datetime, people: Iterable[Person], *, stream: bool,
                            visibility: str | None, **properties: Any) -> Conversation:
        if who.guest:
            raise forbidden("guests take part in conversations they are added to; they do not create them")
        named = list({p.principal_id: p for p in people}.values())
        for person in named:
            if person.account_id not in (None, who.account_id):
                raise bad_request(f"user {person.principal_id} is not in account {who.account_id}")
        participants = list(named)
        if not who.administers(who.account_id) and who.principal_id not in {p.principal_id for p in named}:
            participants.insert(0, Person(who.principal_id, who.name, who.account_id))  # a user is always in it
        if not stream and len(participants) < 2:
            raise bad_request("a direct conversation (stream false) needs at least two originalParticipants; "
                              "its participants are fixed once it is created")
        seq = self._next()
        conversation = Conversation(
            self._id("conversation", seq), who.account_id, who.principal_id, now, now, seq=seq, stream=stream,
            visibility=(visibility or PRIVATE) if stream else PRIVATE,
            original_participants=[p.principal_id for p in named], **properties)
        for person in participants:
            # direct conversations have fixed, accepted participants; in a stream the creator is in and the
            # others are invited (the guide's default status)
            status = ACCEPTED if not stream or person.principal_id == who.principal_id else INVITED
            conversation.participants[person.principal_id] = Participant(
                person.principal_id, conversation.conversation_id, status, now, now, name=person.name,
                added_by=who.principal_id, seq=self._next())
        self.conversations[conversation.conversation_id] = conversation
        self._record("POST", conversation, conversation)
        return conversation

    def update_conversation(self, who: Caller, conversation_id: str, now: datetime, **changes: Any) -> Conversation:
        conversation = self.moderated(who, conversation_id)
        if "visibility" in changes and not conversation.stream and changes["visibility"] != PRIVATE:
            raise bad_request("a direct conversation is always PRIVATE: visibility applies to streams only")
        before = conversation.audience()
        for name, value in changes.items():
            setattr(conversation, name, value)
        conversation.modified_on = now
        self.changes.append(Change("PUT", conversation, _union(before, conversation.audience()),
                                   conversation.account_id))
        return conversation

    def delete_conversation(self, who: Caller, conversation_id: str) -> Conversation:
        conversation = self.moderated(who, conversation_id)
        del self.conversations[conversation_id]
        self._record("DELETE", conversation, conversation)
        return conversation

    # -- participants ----------------------------------------------------------------------------------------
    def participant(self, conversation: Conversation, participant_id: str) -> Participant:
        return known(conversation.participant(participant_id),
                     f"participant {participant_id!r} of conversation {conversation.conversation_id}")

    def add_participant(self, who: Caller, conversation_id: str, person: Person, now: datetime, *,
                        status: str | None, conversation_visibility: str | None,
                        last_read_message_date: datetime | None) -> Participant:
        conversation = self.conversation(who, conversation_id)
        if not conversation.stream:
            raise bad_request("a direct conversation has fixed participants: create a new conversation instead")
        if person.account_id not in (None, conversation.account_id):
            raise bad_request(f"user {person.principal_id} is not in account {conversation.account_id}")
        existing = conversation.participant(person.principal_id)
        if existing is not None:
            detail = "is BLOCKED and cannot rejoin" if existing.status == BLOCKED else (
                f"is already {existing.status}: change the status with PUT instead")
            raise conflict(f"participant {person.principal_id} of conversation {conversation_id} {detail}")
        adding_self = person.principal_id == who.principal_id  # joining: only a public stream shows to outsiders
        status = status or (ACCEPTED if adding_self else INVITED)
        actors = conversation.actors(who, person.principal_id)
        if who.guest and not adding_self:
            raise forbidden("guests may not add other participants")
        _check_status(actors, None, status, person.principal_id)
        if (conversation_visibility or last_read_message_date) and Actor.SELF not in actors:
            raise forbidden("conversationVisibility and lastReadMessageDate are the participant's own to set")
        participant = Participant(person.principal_id, conversation_id, status, now, now,
                                  conversation_visibility=conversation_visibility or VISIBLE,
                                  name=person.name or (who.name if adding_self else None),
                                  last_read_message_date=last_read_message_date, added_by=who.principal_id,
                                  seq=self._next())
        conversation.participants[participant.participant_id] = participant
        self._record("POST", participant, conversation)
        if status == ACCEPTED:
            self._system_message(conversation, now, f"{_name(participant)} has joined the chat")
        return participant

    def update_participant(self, who: Caller, conversation_id: str, participant_id: str, now: datetime,
                           **changes: Any) -> Participant:
        conversation = self.conversation(who, conversation_id)
        participant = self.participant(conversation, participant_id)
        actors = conversation.actors(who, participant_id)
        personal = {"conversation_visibility", "last_read_message_date"} & changes.keys()
        if personal and Actor.SELF not in actors:
            raise forbidden(f"{', '.join(sorted(_camel(p) for p in personal))} are the participant's own to set")
        status = changes.pop("status", None)
        before = participant.status
        if status is not None and status != before:
            _check_status(actors, before, status, participant_id)
            participant.status = status
        for name, value in changes.items():
            setattr(participant, name, value)
        if who.principal_id == participant_id and participant.name is None:
            participant.name = who.name  # a guest added by id shows its token's name once it acts
        participant.modified_on = now
        self._record("PUT", participant, conversation, participant_id)
        if status == ACCEPTED and before != ACCEPTED:
            self._system_message(conversation, now, f"{_name(participant)} has joined the chat")
        return participant

    def remove_participant(self, who: Caller, conversation_id: str, participant_id: str,
                           now: datetime) -> Participant:
        """Leave (yourself) or kick (the creator or an admin); in a direct conversation nobody can be re-added."""
        conversation = self.conversation(who, conversation_id)
        participant = self.participant(conversation, participant_id)
        leaving = who.principal_id == participant_id
        if not leaving and not conversation.moderated_by(who):
            raise forbidden("only the participant itself, the conversation's creator or an account admin may "
                            "remove a participant")
        del conversation.participants[participant_id]
        self._record("DELETE", participant, conversation, participant_id)
        text = "has left the chat" if leaving else f"was removed from the chat by {who.name or who.principal_id}"
        self._system_message(conversation, now, f"{_name(participant)} {text}")
        return participant

    def typing(self, who: Caller, conversation_id: str, participant_id: str, action: str) -> Typing:
        conversation = self.writable(who, conversation_id)
        participant = self.participant(conversation, participant_id)
        if Actor.SELF not in conversation.actors(who, participant_id):
            raise forbidden("a participant says only for itself that it is typing")
        typing = Typing(conversation_id, participant_id, action, participant.name)
        self._record("POST", typing, conversation)
        return typing

    # -- messages --------------------------------------------------------------------------------------------
    def message(self, conversation: Conversation, message_id: str) -> Message:
        return known(conversation.messages.get(message_id),
                     f"message {message_id!r} of conversation {conversation.conversation_id}")

    def post_message(self, who: Caller, conversation_id: str, now: datetime, body: str, *,
                     content_type: str | None = None, fallback_text: str | None = None,
                     parent_message_id: str | None = None, tag: str | None = None) -> Message:
        conversation = self.writable(who, conversation_id)
        content_type = content_type or PLAIN_TEXT
        _check_fallback(content_type, fallback_text)
        if parent_message_id is not None and parent_message_id not in conversation.messages:
            raise bad_request(f"parentMessageId {parent_message_id!r} is not a message of conversation "
                              f"{conversation_id}")
        sender = conversation.participant(who.principal_id)
        seq = self._next()
        message = Message(self._id("message", seq), conversation_id, body, content_type, now, now, seq=seq,
                          sender_id=who.principal_id, sender_name=(sender.name if sender else None) or who.name,
                          fallback_text=fallback_text, parent_message_id=parent_message_id, tag=tag)
        conversation.messages[message.message_id] = message
        self._record("POST", message, conversation)
        return message

    def post_for(self, who: Caller, conversation_id: str, sender: Person, now: datetime, body: str, *,
                 created_on: datetime | None = None) -> Message:
        """A message a service writes into a conversation it moderates for someone who is no CloudLink caller
        (Workflow, for a bot's client and the bot of a handed-off chat): ``sender`` is the message's sender,
        ``created_on`` when it was said (``now`` if not given), keeping the conversation's messages in order."""
        conversation = self.moderated(who, conversation_id)
        seq = self._next()
        said = created_on or now
        message = Message(self._id("message", seq), conversation_id, body, PLAIN_TEXT, said, said, seq=seq,
                          sender_id=sender.principal_id, sender_name=sender.name)
        conversation.messages[message.message_id] = message
        self._record("POST", message, conversation)
        return message

    def update_message(self, who: Caller, conversation_id: str, message_id: str, now: datetime,
                       **changes: Any) -> Message:
        conversation = self.readable(who, conversation_id)
        message = self.message(conversation, message_id)
        if message.message_type == "SYSTEM":
            raise forbidden("system messages cannot be edited")
        if message.sender_id != who.principal_id and not who.admin_of(conversation):
            raise forbidden("only the sender (or an account admin) may edit a message")
        if "tag" in changes and changes["tag"] != message.tag:
            raise bad_request("a message's tag is set when it is posted and cannot be changed")
        _check_fallback(changes.get("content_type", message.content_type),
                        changes.get("fallback_text", message.fallback_text))
        for name, value in changes.items():
            setattr(message, name, value)
        message.modified_on = now
        self._record("PUT", message, conversation)
        return message

    def delete_message(self, who: Caller, conversation_id: str, message_id: str) -> Message:
        conversation = self.readable(who, conversation_id)
        message = self.message(conversation, message_id)
        if message.sender_id != who.principal_id and not conversation.moderated_by(who):
            raise forbidden("only the sender, the conversation's creator or an account admin may delete a message")
        del conversation.messages[message_id]
        self._record("DELETE", message, conversation)
        return message

    def _system_message(self, conversation: Conversation, now: datetime, text: str) -> None:
        if conversation.generate_system_messages:
            seq = self._next()
            message = Message(self._id("message", seq), conversation.conversation_id, text, PLAIN_TEXT, now, now,
                              message_type="SYSTEM", seq=seq)
            conversation.messages[message.message_id] = message
            self._record("POST", message, conversation)

    # -- reactions -------------------------------------------------------------------------------------------
    def react(self, who: Caller, conversation_id: str, message_id: str, reaction: str, now: datetime) -> Reaction:
        conversation = self.writable(who, conversation_id)
        message = self.message(conversation, message_id)
        if any(r.participant_id == who.principal_id and r.reaction == reaction for r in message.reactions.values()):
            raise conflict(f"you already reacted {reaction} to message {message_id}")
        seq = self._next()
        found = Reaction(self._id("reaction", seq), conversation_id, message_id, who.principal_id, reaction, now, seq)
        message.reactions[found.reaction_id] = found
        self._record("POST", found, conversation)
        return found

    def unreact(self, who: Caller, conversation_id: str, message_id: str, reaction_id: str) -> Reaction:
        conversation = self.readable(who, conversation_id)
        message = self.message(conversation, message_id)
        found = known(message.reactions.get(reaction_id), f"reaction {reaction_id!r} of message {message_id}")
        if found.participant_id != who.principal_id and not conversation.moderated_by(who):
            raise forbidden("only whoever reacted, the conversation's creator or an account admin may remove a "
                            "reaction")
        del message.reactions[reaction_id]
        self._record("DELETE", found, conversation)
        return found

    # -- attachments -----------------------------------------------------------------------------------------
    def attachment(self, conversation: Conversation, attachment_id: str) -> Attachment:
        return known(conversation.attachments.get(attachment_id),
                     f"attachment {attachment_id!r} of conversation {conversation.conversation_id}")

    def put_attachment(self, who: Caller, conversation_id: str, attachment_id: str, data: bytes,
                       content_type: str, now: datetime) -> tuple[Attachment, bool]:
        """Create or replace an attachment's content; returns it and whether it is new."""
        conversation = self.writable(who, conversation_id)
        if len(data) > ATTACHMENT_LIMIT:
            raise ChatError(413, "PayloadTooLargeError", f"an attachment is at most {ATTACHMENT_LIMIT} bytes")
        existing = conversation.attachments.get(attachment_id)
        kept = sum(len(a.data) for c in self.conversations.values() for a in c.attachments.values())
        if kept - (len(existing.data) if existing else 0) + len(data) > ATTACHMENTS_TOTAL:
            raise ChatError(413, "PayloadTooLargeError", f"the simulator keeps at most {ATTACHMENTS_TOTAL} bytes of "
                                                         "attachments; delete some first")
        if existing is None:
            attachment = Attachment(attachment_id, conversation_id, content_type, data, who.principal_id, now, now,
                                    seq=self._next())
            conversation.attachments[attachment_id] = attachment
            self._record("PUT", attachment, conversation)
            return attachment, True
        self._check_owner(who, conversation, existing)
        existing.data, existing.content_type, existing.modified_on = data, content_type, now
        self._record("PUT", existing, conversation)
        return existing, False

    def update_attachment_metadata(self, who: Caller, conversation_id: str, attachment_id: str, now: datetime,
                                   **changes: Any) -> Attachment:
        conversation = self.writable(who, conversation_id)
        attachment = self.attachment(conversation, attachment_id)
        self._check_owner(who, conversation, attachment)
        for name, value in changes.items():
            setattr(attachment, name, value)
        attachment.modified_on = now
        self._record("PUT", AttachmentMetadata(attachment), conversation)
        return attachment

    def delete_attachment(self, who: Caller, conversation_id: str, attachment_id: str) -> Attachment:
        conversation = self.readable(who, conversation_id)
        attachment = self.attachment(conversation, attachment_id)
        self._check_owner(who, conversation, attachment)
        del conversation.attachments[attachment_id]
        self._record("DELETE", attachment, conversation)
        return attachment

    @staticmethod
    def _check_owner(who: Caller, conversation: Conversation, attachment: Attachment) -> None:
        if attachment.created_by != who.principal_id and not conversation.moderated_by(who):
            raise forbidden("only whoever uploaded an attachment, the conversation's creator or an account admin "
                            "may change it")

    # -- commands --------------------------------------------------------------------------------------------
    def account_commands(self, account_id: str) -> list[Command]:
        return [*BUILT_IN_COMMANDS, *(c for c in self.commands.values() if c.account_id == account_id)]

    def command(self, account_id: str, ref: str) -> Command:
        """A command of the account by id or name (names compare without case)."""
        wanted = ref.lower()
        return known(next((c for c in self.account_commands(account_id)
                           if c.command_id.lower() == wanted or c.name.lower() == wanted), None), f"command {ref!r}")

    def create_command(self, who: Caller, now: datetime, name: str, action: str, description: str | None,
                       text: str | None) -> Command:
        self._check_command_admin(who)
        if any(c.name.lower() == name.lower() for c in self.account_commands(who.account_id)):
            raise conflict(f"the account already has a command named {name}")
        _check_command_text(action, text)
        seq = self._next()
        command = Command(self._id("command", seq), name, action, now, who.account_id, description, text, seq)
        self.commands[command.command_id] = command
        self.changes.append(Change("POST", command, None, who.account_id))
        return command

    def update_command(self, who: Caller, ref: str, **changes: Any) -> Command:
        command = self._custom_command(who, ref)
        _check_command_text(changes.get("action", command.action), changes.get("text", command.text))
        for name, value in changes.items():
            setattr(command, name, value)
        self.changes.append(Change("PUT", command, None, who.account_id))
        return command

    def delete_command(self, who: Caller, ref: str) -> Command:
        command = self._custom_command(who, ref)
        del self.commands[command.command_id]
        self.changes.append(Change("DELETE", command, None, who.account_id))
        return command

    def _custom_command(self, who: Caller, ref: str) -> Command:
        self._check_command_admin(who)
        command = self.command(who.account_id, ref)
        if command.built_in:
            raise forbidden(f"{command.name} is a built-in command: it cannot be changed or deleted")
        return command

    @staticmethod
    def _check_command_admin(who: Caller) -> None:
        if not who.administers(who.account_id):
            raise forbidden("only an account admin may make, change or delete commands")

    def invoke(self, who: Caller, ref: str, conversation_id: str, arguments: str, now: datetime) -> CommandResult:
        """Run a command in a conversation, as the operation it stands for would."""
        command = self.command(who.account_id, ref)
        result = CommandResult(command, conversation_id)
        if command.action == "WHO":
            result.participants = list(self.readable(who, conversation_id).participants.values())
        elif command.action == "KICK":
            target = arguments.strip().split()[0] if arguments.strip() else ""
            if not target:
                raise bad_request("KICK needs the participantId to remove as its arguments")
            conversation = self.conversation(who, conversation_id)
            if target == who.principal_id or not conversation.moderated_by(who):
                raise forbidden("KICK removes another participant and is for the conversation's creator or an "
                                "account admin; use LEAVE to leave")
            result.participant = self.remove_participant(who, conversation_id, target, now)
        elif command.action == "LEAVE":
            result.participant = self.remove_participant(who, conversation_id, who.principal_id, now)
        else:
            text = command.text or ""
            body = f"{arguments.strip()} {text}".strip() if arguments.strip() else text
            result.message = self.post_message(who, conversation_id, now, body)
        return result

    # -- user conversations ----------------------------------------------------------------------------------
    def of_participant(self, principal_id: str) -> list[tuple[Conversation, Participant]]:
        """The conversations someone takes part in (BLOCKED ones excluded), with its participant record."""
        return [(c, p) for c in self.conversations.values()
                if (p := c.participants.get(principal_id)) is not None and p.status != BLOCKED]


@dataclass(frozen=True)
class AttachmentMetadata:
    """The metadata of an attachment, as a resource of its own (its own path and publication subject)."""

    attachment: Attachment


def _check_status(actors: set[Actor], before: str | None, after: str, participant_id: str) -> None:
    """Refuse a status change :data:`STATUS_RULES` does not allow these actors."""
    allowed = STATUS_RULES.get((before, after))
    if allowed is None:
        if before == BLOCKED:
            raise forbidden(f"participant {participant_id} is BLOCKED and cannot rejoin")
        raise bad_request(f"a participant's status cannot go from {before or 'nothing'} to {after}")
    if not allowed & actors:
        who = " or ".join(a.value for a in sorted(allowed, key=lambda a: a.name))
        raise forbidden(f"only {who} may set participant {participant_id} from {before or 'nothing'} "
                        f"to {after}")


def _check_fallback(content_type: str, fallback_text: str | None) -> None:
    if not _is_plain_text(content_type) and not fallback_text:
        raise bad_request(f"fallbackText is required when contentType is not {PLAIN_TEXT} (it is {content_type})")


def _check_command_text(action: str, text: str | None) -> None:
    if action == "MESSAGE" and not text:
        raise bad_request("a MESSAGE command needs the text it posts")


def _name(participant: Participant) -> str:
    return participant.name or participant.participant_id


def _camel(snake: str) -> str:
    first, *rest = snake.split("_")
    return first + "".join(w.title() for w in rest)


def _union(first: list[str] | None, second: list[str] | None) -> list[str] | None:
    if first is None or second is None:
        return None
    return list(dict.fromkeys([*first, *second]))
