"""The locust users of micc-sim's load runs, and the load shapes. ``micc-sim load PROFILE`` runs them headless;
plain locust runs them too (``locust -f loadtests/queue_cap.py --host http://127.0.0.1:8080``).

* ``OpenMediaIntegration``: an Open Media integration with a queue cap, as the integrator guide's
  distributor has one. Chats arrive on its side (Poisson, ``--micc-rate`` a second per user, seeded); it posts
  one only while fewer than ``--micc-cap`` of its items wait in the queue (``--micc-cap-basis queue-now``: it
  reads Queue Now's waiting conversations before each post and adds its own posts not yet answered; ``own``:
  it counts only its own items still queued or offered); the rest wait on its side. It polls each of its
  items (``GET /openmedia/{id}``) until it ends, and completes (``PUT``) the ones whose customer gave up
  (``--micc-patience``) or whose chat is over (``--micc-chat-length``). All users of one process are one
  integration; in distributed runs each worker is one, with a share of the cap the master hands out.
* ``ChatFeed``: the same integration as a single user, to feed items to the other profiles.
* ``AgentDesktop``: an agent's desktop (password grant) watching its state and inbox.
* ``ApiReader``: the reads integrations and wallboards make: Queue Now (all queues and one), agent states,
  open-media polling.
* ``CloudLinkActivity`` (:mod:`micc_sim.harness.load.cloudlink_activity`): CloudLink users calling each other,
  chatting and changing presence, for the ``notifications`` profile.

Time on this side is wall time; the simulator's agents work on its (maybe scaled) clock.
"""

from __future__ import annotations

import itertools
import logging
import random
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from locust import FastHttpUser, LoadTestShape, between, events, task
from locust.runners import MasterRunner, WorkerRunner

from micc_sim.harness.load.bearer import bearer_request, fetch_token
from micc_sim.harness.load.cloudlink_activity import CloudLinkActivity
from micc_sim.harness.load.profiles import SHAPES, behaviour, cap_shares, shape_users
from micc_sim.harness.load.world_setup import SetupError, prepare_world

log = logging.getLogger("micc_sim.load")

# locust patches the standard library with gevent, whose select has no epoll; trio needs it at import, and
# httpx's transport (httpcore) imports trio if it can: in a locust process nothing uses trio, so keep it out
sys.modules.setdefault("trio", None)  # type: ignore[arg-type]

__all__ = ["AgentDesktop", "ApiReader", "ChatFeed", "CloudLinkActivity", "OpenMediaIntegration", "ProfileShape"]

SDK = "/miccsdk/api/v1"
UNANSWERED = frozenset({"InQueue", "Offered"})  # an offered item can ring out and wait again
ENDED = frozenset({"Ended", "Abandoned", "Handled", "Failed"})
TALKATIVE = ("Talkative", "7d9f1b26-2a7b-46e9-a2e7-1acb3ea5b26d")  # the default world's Clients.config entry
CAP_SHARE_MESSAGE = "micc_cap_share"


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    add = parser.add_argument
    add("--micc-queue", default="Web Chat", help="the queue the integration posts to (name, reporting or id)")
    add("--micc-cap", type=int, default=10, help="the integration's queue cap: items waiting in the queue at most")
    add("--micc-cap-basis", choices=["queue-now", "own"], default="queue-now",
        help="what the integration counts against the cap: Queue Now's waiting conversations, or its own items")
    add("--micc-rate", type=float, default=1.0, help="chats arriving per second, per integration user")
    add("--micc-poll", type=float, default=1.0, help="seconds between two polls of one item")
    add("--micc-patience", type=float, default=0.0,
        help="seconds a customer waits for an answer before leaving (0: forever)")
    add("--micc-chat-length", type=float, default=0.0,
        help="seconds after an answer the integration completes the chat (0: the agent ends it)")
    add("--micc-client-id", default=TALKATIVE[0], help="the integration's Clients.config Id")
    add("--micc-client-secret", default=TALKATIVE[1], help="... and its Secret")
    add("--micc-seed", type=int, default=0, help="seed of the chat arrivals")
    add("--micc-ignore-cap", action="store_true", default=False, help="(for tests) post every chat at once")
    add("--micc-accept-delay", default="", help="the agents' accept delay for the run (exponential:5, ...)")
    add("--micc-handle-time", default="", help="the agents' handle time for the run (lognormal:120:0.5, ...)")
    add("--micc-not-ready", default="", help="the agents' not-ready spells (every=exponential:600,lasts=60)")
    add("--micc-agents", type=int, default=0, help="extra virtual agents for the queue (restarts the world)")
    add("--micc-agent-password", default="password", help="the agents' password (AgentDesktop)")
    add("--micc-desktop-agents", default="", help="usernames the desktops log in as (default: the queue's agents)")
    add("--micc-shape", choices=list(SHAPES), default="steady", help="load shape over the run time")
    add("--micc-cloudlink-login", default="admin@wagner.example.com",
        help="CloudLink admin of the account whose users make calls and chat (CloudLinkActivity)")
    add("--micc-cloudlink-password", default="password", help="... and the admin's password")
    add("--micc-no-setup", action="store_true", default=False,
        help="leave the world as it is (no control API calls; micc-sim load prepares it itself)")


# -- the integration: one per process -------------------------------------------------------------
@dataclass
class Chat:
    number: int
    arrived: float
    id: str | None = None
    state: str | None = None
    answered: float | None = None
    next_poll: float = 0.0


class Integration:
    """The state one integration process shares between its users: its side's backlog, its live items and
    its share of the cap. gevent switches only at I/O, so a check and the reservation after it are atomic."""

    def __init__(self) -> None:
        self.share: int | None = None  # None until the run starts (or the master's message comes)
        self.backlog: deque[Chat] = deque()
        self.items: dict[str, Chat] = {}
        self.in_flight = 0
        self.token: str | None = None
        self.numbers = itertools.count(1)

    def unanswered(self) -> int:
        return self.in_flight + sum(1 for chat in self.items.values() if chat.state in UNANSWERED)

    def offered(self) -> int:
        return sum(1 for chat in self.items.values() if chat.state == "Offered")

    def next_poll(self) -> float:
        return min((chat.next_poll for chat in self.items.values()), default=float("inf"))


INTEGRATION = Integration()


def _fire(environment: Any, name: str, started: float, error: str | None = None) -> None:
    """A chat's integration-side event (type CHAT) in locust's statistics, its time in milliseconds."""
    environment.events.request.fire(request_type="CHAT", name=name, response_time=(time.monotonic() - started) * 1000,
                                    response_length=0, exception=RuntimeError(error) if error else None, context={})


class _Sdk:
    """Calls of the MiCC SDK with a bearer token, fetched again when the server says it expired (401)."""

    client: Any
    environment: Any

    def _token(self) -> str:
        raise NotImplementedError

    def _forget_token(self) -> None:
        raise NotImplementedError

    def sdk(self, method: str, path: str, name: str, ok: tuple[int, ...] = (200, 201), **kwargs: Any) -> Any:
        return bearer_request(self.client, method, SDK + path, name, self._token(), self._new_token, ok, **kwargs)

    def _new_token(self) -> str:
        self._forget_token()
        return self._token()

    def _fetch_token(self, refusal: str, **form: str) -> str:
        return fetch_token(self.client, "/authorizationserver/token", "/authorizationserver/token", refusal,
                           data=form)


class OpenMediaIntegration(_Sdk, FastHttpUser):
    _users = itertools.count()

    def on_start(self) -> None:
        o = self.environment.parsed_options
        self.options = o
        index = getattr(self.environment.runner, "worker_index", 0)
        self.random = random.Random(f"{o.micc_seed}:{index}:{next(self._users)}")
        self.next_arrival = time.monotonic() + self.random.expovariate(o.micc_rate)
        self.queue_path = "/queues/" + quote(o.micc_queue, safe="") + "/state"
        if INTEGRATION.share is None and not isinstance(self.environment.runner, WorkerRunner):
            INTEGRATION.share = o.micc_cap

    def wait_time(self) -> float:  # type: ignore[override]
        """Until the next chat arrives or the next poll is due (at most half a second)."""
        now = time.monotonic()
        return max(0.0, min(self.next_arrival, INTEGRATION.next_poll(), now + 0.5) - now)

    def _token(self) -> str:
        if INTEGRATION.token is None:
            o = self.options
            INTEGRATION.token = self._fetch_token("the integration cannot get a token", grant_type="client_credentials",
                                                  client_id=o.micc_client_id, client_secret=o.micc_client_secret)
        return INTEGRATION.token

    def _forget_token(self) -> None:
        INTEGRATION.token = None

    @task
    def work(self) -> None:
        now = time.monotonic()
        while self.next_arrival <= now:
            INTEGRATION.backlog.append(Chat(next(INTEGRATION.numbers), self.next_arrival))
            self.next_arrival += self.random.expovariate(self.options.micc_rate)
        self.leave_backlog(now)
        self.post_backlog()
        self.poll_due()

    # -- posting under the cap -------------------------------------------------------------------
    def room(self) -> bool:
        o = self.options
        if o.micc_ignore_cap:
            return True
        if INTEGRATION.unanswered() >= (INTEGRATION.share or 0):
            return False
        if o.micc_cap_basis == "queue-now":
            r = self.sdk("GET", self.queue_path, "/queues/{id}/state")
            if r is None or r.status_code != 200:
                return False
            waiting = int(r.json().get("waitingConversations") or 0)
            if waiting + INTEGRATION.offered() + INTEGRATION.in_flight >= o.micc_cap:
                return False
        return INTEGRATION.unanswered() < (INTEGRATION.share or 0)  # again: others may have posted meanwhile

    def post_backlog(self) -> None:
        while INTEGRATION.backlog and self.room():
            chat = INTEGRATION.backlog.popleft()
            INTEGRATION.in_flight += 1
            try:
                self.post(chat)
            finally:
                INTEGRATION.in_flight -= 1

    def post(self, chat: Chat) -> None:
        body = {"queue": self.options.micc_queue, "targetUri": f"https://chat.example.com/c/{chat.number}",
                "targetUriEmbedded": True, "from": f"Visitor {chat.number}", "subject": f"Load chat {chat.number}"}
        _fire(self.environment, "waited for the cap", chat.arrived)
        r = self.sdk("POST", "/openmedia", "/openmedia", ok=(201,), json=body)
        if r is None or r.status_code != 201:
            return
        data = r.json()
        chat.id, chat.state = data["id"], data.get("conversationState")
        chat.next_poll = time.monotonic() + self.options.micc_poll
        if chat.state not in ENDED:
            INTEGRATION.items[chat.id] = chat

    def leave_backlog(self, now: float) -> None:
        patience = self.options.micc_patience
        while patience and INTEGRATION.backlog and now - INTEGRATION.backlog[0].arrived > patience:
            chat = INTEGRATION.backlog.popleft()
            _fire(self.environment, "left while held for the cap", chat.arrived)

    # -- polling and completing ------------------------------------------------------------------
    def poll_due(self) -> None:
        o = self.options
        now = time.monotonic()
        for chat in [c for c in INTEGRATION.items.values() if c.next_poll <= now]:
            if chat.id not in INTEGRATION.items or chat.next_poll > now:
                continue  # another user took it meanwhile
            chat.next_poll = now + o.micc_poll
            gave_up = o.micc_patience and chat.state in UNANSWERED and now - chat.arrived > o.micc_patience
            chat_over = o.micc_chat_length and chat.answered and now - chat.answered > o.micc_chat_length
            if gave_up or chat_over:
                self.sdk("PUT", f"/openmedia/{chat.id}", "/openmedia/{id}", ok=(200, 204, 404),
                         json={"action": "Complete"})
                INTEGRATION.items.pop(chat.id, None)
                continue
            r = self.sdk("GET", f"/openmedia/{chat.id}", "/openmedia/{id}", ok=(200, 404))
            if r is None:
                continue
            state = r.json().get("conversationState") if r.status_code == 200 else "Ended"
            chat.state = state
            if state in ENDED:
                INTEGRATION.items.pop(chat.id, None)
            elif state not in UNANSWERED and chat.answered is None:
                chat.answered = time.monotonic()


class ChatFeed(OpenMediaIntegration):
    """One integration user feeding the other profiles' runs, whatever their user count."""

    fixed_count = 1


# -- agents and readers ---------------------------------------------------------------------------
class AgentDesktop(_Sdk, FastHttpUser):
    wait_time = between(0.5, 1.5)
    _users = itertools.count()

    def on_start(self) -> None:
        o = self.environment.parsed_options
        agents = [a for a in o.micc_desktop_agents.split(",") if a]
        if not agents:
            raise RuntimeError("AgentDesktop needs --micc-desktop-agents (micc-sim load fills it in)")
        self.username = agents[next(self._users) % len(agents)]
        self.password = o.micc_agent_password
        self.token: str | None = None

    def _token(self) -> str:
        if self.token is None:
            self.token = self._fetch_token(f"agent {self.username} cannot log in", grant_type="password",
                                           username=self.username, password=self.password)
        return self.token

    def _forget_token(self) -> None:
        self.token = None

    @task(2)
    def my_state(self) -> None:
        self.sdk("GET", "/employees/me/state", "/employees/me/state")

    @task(1)
    def my_inbox(self) -> None:
        self.sdk("GET", "/employees/me/conversations?type=active", "/employees/me/conversations")


class ApiReader(_Sdk, FastHttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        self.options = self.environment.parsed_options
        self.queue_path = "/queues/" + quote(self.options.micc_queue, safe="") + "/state"
        self.known: list[str] = []
        self.polls = 0

    _token = OpenMediaIntegration._token
    _forget_token = OpenMediaIntegration._forget_token

    @task(3)
    def queue_states(self) -> None:
        self.sdk("GET", "/queues/states", "/queues/states")

    @task(3)
    def queue_state(self) -> None:
        self.sdk("GET", self.queue_path, "/queues/{id}/state")

    @task(2)
    def agent_states(self) -> None:
        self.sdk("GET", "/agents/states", "/agents/states")

    @task(2)
    def poll_item(self) -> None:
        if not self.known or self.polls % 10 == 0:
            r = self.sdk("GET", "/openmedia", "/openmedia")
            if r is not None and r.status_code == 200:
                self.known = [i["id"] for i in r.json().get("_embedded", {}).get("items", [])]
        self.polls += 1
        if self.known:
            self.sdk("GET", f"/openmedia/{random.choice(self.known)}", "/openmedia/{id}", ok=(200, 404))


# -- the run --------------------------------------------------------------------------------------
class ProfileShape(LoadTestShape):
    """steady, ramp or spike (``--micc-shape``) over the run time, up to ``--users``."""

    use_common_options = True

    def tick(self) -> tuple[int, float] | None:
        o = self.runner.environment.parsed_options
        duration = o.run_time or 60
        elapsed = self.get_run_time()
        if elapsed >= duration:
            return None
        users = shape_users(o.micc_shape, o.num_users or 1, elapsed, duration)
        spawn_rate = o.spawn_rate or 1.0
        if o.micc_shape != "steady":  # the shape sets the user count itself: reach it within a tick
            spawn_rate = max(spawn_rate, o.num_users or 1)
        return users, spawn_rate


@events.init.add_listener
def _on_init(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        environment.runner.register_message(CAP_SHARE_MESSAGE,
                                            lambda msg, **_: setattr(INTEGRATION, "share", msg.data))


@events.test_start.add_listener
def _on_test_start(environment: Any, **_: Any) -> None:
    runner, o = environment.runner, environment.parsed_options
    if isinstance(runner, WorkerRunner):
        return
    if not o.micc_no_setup:
        try:
            prepared = prepare_world(environment.host, o.micc_queue,
                                     behaviour(o.micc_accept_delay, o.micc_handle_time, o.micc_not_ready),
                                     o.micc_agents, o.micc_agent_password)
        except (SetupError, ValueError, OSError) as exc:
            log.error("cannot prepare the world: %s", exc)
            environment.process_exit_code = 2
            runner.quit()
            return
        if not o.micc_desktop_agents:
            o.micc_desktop_agents = ",".join(prepared.agents)
    if isinstance(runner, MasterRunner):
        workers = sorted(runner.clients.values(), key=lambda node: runner.get_worker_index(node.id))
        for node, share in zip(workers, cap_shares(o.micc_cap, len(workers) or 1), strict=False):
            runner.send_message(CAP_SHARE_MESSAGE, share, client_id=node.id)
    else:
        INTEGRATION.share = o.micc_cap
