"""``CloudLink``: the state of every CloudLink service for one simulator (pure domain, no HTTP).

Built from the world file's ``cloudlink`` section and rebuilt on reset; the services share the directory
(accounts, users, clients), the token sessions and Notify, where each of them publishes its changes.
:meth:`CloudLink.dump` and :meth:`CloudLink.load` put all of it in the simulator's snapshots: a service that
keeps state adds its part there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from micc_sim.faces.cloudlink.admin.models import Directory
from micc_sim.faces.cloudlink.auth.models import Principal, Sessions, Throttle, check_token
from micc_sim.faces.cloudlink.chat.models import BLOCKED, Chat
from micc_sim.faces.cloudlink.media.models import Media, MediaState
from micc_sim.faces.cloudlink.notify.models import Notify, Publication, Subscription
from micc_sim.faces.cloudlink.presence.models import Presences, PresenceState
from micc_sim.faces.cloudlink.servicedelivery.models import Catalogue, PriceList
from micc_sim.faces.cloudlink.workflow.models import WorkflowState
from micc_sim.world.cloudlink_config import CloudLinkConfig
from micc_sim.world.events import EventBus
from micc_sim.world.snapshot import decode_entity, encode


class CloudLink:
    def __init__(self, config: CloudLinkConfig, now: Callable[[], datetime], bus: EventBus | None = None,
                 max_pending: int = 1000) -> None:
        self.config = config
        self.now = now
        self.directory = Directory.from_config(config, now())
        self.sessions = Sessions(config.token_lifetime, config.refresh_token_lifetime,
                                 code_lifetime=config.authorization_code_lifetime)
        throttle = config.token_throttle
        self.throttle = Throttle(throttle.failures, throttle.window, throttle.lockout)  # not in snapshots
        self.bus = bus  # the simulator's: what faces deliver outside a request (Media's call callbacks)
        self.notify = Notify(now, bus, max_pending=max_pending,  # announces what it queues on the simulator's bus
                             guest_takes_part=self._guest_takes_part)
        self.chat = Chat()
        self.events = EventBus()  # the services' own typed events (calls, presence), turned into publications
        self.media = Media(self)
        self.presence = Presences(self)
        self.presence.materialize_users()
        self.workflow = WorkflowState()  # the bot conversations handed off through the workflow webhook
        accounts = self.directory.accounts.values()
        account_of = {ref.lower(): a.account_id for a in accounts for ref in (a.account_id, a.number, a.label) if ref}
        partner_of = {a.account_id: a.partner_id for a in accounts}
        self.catalogue = Catalogue.from_config(config, account_of, partner_of)  # orders change it
        self.price_list = PriceList.from_config(config, account_of, partner_of)  # read-only: not in snapshots

    def _guest_takes_part(self, principal_id: str, publication: Publication) -> bool:
        """Whether a guest is a participant (not BLOCKED) of the conversation a publication is about."""
        parts = publication.subject.split("/", 3)  # /conversations/{id}/...
        conversation = self.chat.conversations.get(parts[2]) if len(parts) > 2 and parts[1] == "conversations" \
            else None
        participant = conversation.participant(principal_id) if conversation is not None else None
        return participant is not None and participant.status != BLOCKED

    def check_token(self, token: str, now: datetime, kind: str = "access") -> Principal:
        """Who a token of ``kind`` speaks for now; the one check of every CloudLink token
        (:func:`micc_sim.faces.cloudlink.auth.models.check_token`). Raises ``TokenError``."""
        return check_token(self.sessions, self.directory, token, now, kind)[1]

    # -- snapshots -------------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        return {
            "directory": encode(self.directory),
            "sessions": encode(self.sessions),
            "publications": [encode(p) for p in self.notify.log],
            "chat": encode(self.chat),
            "media": encode(self.media.state),
            "presence": encode(self.presence.state),
            "subscriptions": [encode(s) for s in self.notify.subscriptions.values()],
            "workflow": encode(self.workflow),
            "catalogue": encode(self.catalogue),
        }

    def load(self, data: dict[str, Any]) -> None:
        """Take the state of a :meth:`dump` (on a CloudLink built from the same config)."""
        self.directory = decode_entity(Directory, data["directory"])
        self.sessions = decode_entity(Sessions, data["sessions"])
        self.notify.log.clear()
        self.notify.log.extend(decode_entity(Publication, p) for p in data["publications"])
        self.chat = decode_entity(Chat, data["chat"]) if "chat" in data else Chat()
        if "media" in data:  # snapshots made before the Media and Presence services have neither
            self.media.state = decode_entity(MediaState, data["media"])
        if "presence" in data:
            self.presence.state = decode_entity(PresenceState, data["presence"])
        self.workflow = decode_entity(WorkflowState, data["workflow"]) if "workflow" in data else WorkflowState()
        if "catalogue" in data:  # snapshots made before orders keep the world file's catalogue
            self.catalogue = decode_entity(Catalogue, data["catalogue"])
        self.notify.subscriptions = {s.subscription_id: s for s in (
            decode_entity(Subscription, item) for item in data.get("subscriptions", []))}
