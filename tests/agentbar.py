"""An agent bar for the real-time tests: Microsoft's own jQuery SignalR 2 client (npm ``signalr``, installed by
scripts/test-setup.sh into tests/.node) in Debian's headless Chromium, on a page of another origin.

The page comes from a throwaway web server of its own on another loopback port, so the client runs
cross-origin against the simulator exactly as a CRM-embedded agent bar does. Each
connection it opens records what the hubs call (``events``) and its state changes (``states``).
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from micc_sim.testing import free_port

NODE_MODULES = Path(__file__).parent / ".node" / "node_modules"
SCRIPTS = {
    "/jquery.js": NODE_MODULES / "jquery" / "dist" / "jquery.min.js",
    "/jquery.signalR.js": NODE_MODULES / "signalr" / "jquery.signalR.js",
}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
MISSING = ("Debian's chromium" if CHROMIUM is None else
           "the npm packages signalr and jquery (tests/.node)" if not all(p.exists() for p in SCRIPTS.values())
           else None)

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script src="/jquery.js"></script><script src="/jquery.signalR.js"></script>
<script>
// the server calls each hub makes, spelled as Mitel's MiCC SDK samples handle them
const EVENTS = {employeeHub: ["employeeStateChanged", "employeeConversationChanged", "employeeConversationRemoved"],
                queueHub: ["queueStateChanged", "queueConversationChanged", "queueConversationRemoved"],
                agentHub: ["onAgentStateChanged"]};
window.conns = {};
window.errors = [];  // what the client threw while handling a message (a call for a hub it has no proxy for)
window.addEventListener("error", function (e) { window.errors.push(e.message); });
// openHub(name, server, token, transport, hubs, late): a hub connection as agent bars make it (proxies and handlers
// before start), or with ``late`` as Mitel's samples do (start first, then the proxies and handlers: the client
// subscribes to no hub); ``hubs`` limits the proxies. Resolves with the transport used.
window.openHub = function (name, server, token, transport, hubs, late) {
  const connection = $.hubConnection(server + "/miccsdk/", {qs: "sessionid=Bearer " + token});
  const entry = window.conns[name] = {connection: connection, proxies: {}, events: [], states: []};
  const subscribe = function () {
    for (const hub of hubs || Object.keys(EVENTS)) {
      const proxy = entry.proxies[hub] = connection.createHubProxy(hub);
      for (const method of EVENTS[hub]) {
        proxy.on(method, function () { entry.events.push({method: method, args: Array.from(arguments)}); });
      }
    }
  };
  if (!late) subscribe();
  connection.stateChanged(function (change) {
    entry.states.push({0: "connecting", 1: "connected", 2: "reconnecting", 4: "disconnected"}[change.newState]);
  });
  connection.reconnected(function () { entry.states.push("reconnected"); });
  return new Promise(function (resolve, reject) {
    connection.start({transport: transport})
      .done(function () { if (late) subscribe(); resolve(connection.transport.name); })
      .fail(function (error) { reject(new Error(error.message)); });
  });
};
// call(name, hub, method, ...args): a hub invocation; resolves with its result, rejects with the server's message
window.call = function (name, hub, method) {
  const args = Array.from(arguments).slice(3);
  const entry = window.conns[name];
  const proxy = entry.proxies[hub] || (entry.proxies[hub] = entry.connection.createHubProxy(hub));
  return new Promise(function (resolve, reject) {
    proxy.invoke.apply(proxy, [method].concat(args))
      .done(function (result) { resolve(result === undefined ? null : result); })
      .fail(function (error) { reject(new Error(error.message)); });
  });
};
</script></head><body>agent bar</body></html>"""


class AgentBar:
    """A page with the jQuery client; ``open`` connects, ``call`` invokes, ``events``/``states`` read back."""

    def __init__(self, page: Any, server: str) -> None:
        self.page = page
        self.server = server

    def open(self, name: str, token: str, transport: str = "webSockets", hubs: list[str] | None = None,
             late: bool = False) -> str:
        """Connect; ``hubs`` limits the proxies, ``late`` creates them after ``start`` as Mitel's samples do."""
        return self.page.evaluate("([n, s, t, tr, h, l]) => window.openHub(n, s, t, tr, h, l)",
                                  [name, self.server, token, transport, hubs, late])

    def errors(self) -> list[str]:
        """What the page's scripts threw (uncaught), e.g. while handling a hub call."""
        return self.page.evaluate("() => window.errors")

    def call(self, name: str, hub: str, method: str, *args: Any) -> Any:
        return self.page.evaluate("([n, h, m, a]) => window.call(n, h, m, ...a)", [name, hub, method, list(args)])

    def events(self, name: str, method: str | None = None) -> list[list[Any]]:
        """The argument lists of the hub calls connection ``name`` got (of one method, or all as [method, args])."""
        got = self.page.evaluate("n => window.conns[n].events", name)
        return [e["args"] for e in got if e["method"] == method] if method else [[e["method"], e["args"]] for e in got]

    def wait_for(self, name: str, method: str, count: int = 1, timeout: float = 10_000) -> list[list[Any]]:
        self.page.wait_for_function(
            "([n, m, c]) => window.conns[n].events.filter(e => e.method === m).length >= c",
            arg=[name, method, count], timeout=timeout)
        return self.events(name, method)

    def states(self, name: str) -> list[str]:
        return self.page.evaluate("n => window.conns[n].states", name)

    def wait_for_state(self, name: str, state: str, timeout: float = 10_000) -> None:
        self.page.wait_for_function("([n, s]) => window.conns[n].states.includes(s)", arg=[name, state],
                                    timeout=timeout)


@contextlib.contextmanager
def static_site() -> Iterator[str]:
    """The agent bar's own web server: a throwaway Starlette app on a loopback port (another origin than the
    simulator's), serving the page and the npm packages' scripts. Returns its origin."""
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def script(request: Request) -> Response:
        return Response(SCRIPTS[request.url.path].read_bytes(), media_type="application/javascript")

    with loopback_site(Starlette(routes=[Route("/agentbar.html", page), *(Route(path, script) for path in SCRIPTS)]),
                       "agent-bar-site") as origin:
        yield origin


@contextlib.contextmanager
def loopback_site(app: Any, name: str) -> Iterator[str]:
    """``app`` served on a free loopback port in a thread (a page's own web server, another origin than the
    simulator's) until the block ends; its origin."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Any, str]]:
    """Debian's headless Chromium and the origin of the agent bar's site."""
    if MISSING:
        pytest.skip(f"{MISSING} is installed by scripts/test-setup.sh")
    from playwright.sync_api import sync_playwright

    with static_site() as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser, origin
        finally:
            browser.close()


def agent_bar_page(browser: tuple[Any, str], server: str) -> Iterator[AgentBar]:
    """A fresh page of the agent bar's site with the client loaded, talking to ``server``."""
    chromium, origin = browser
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{origin}/agentbar.html")
    try:
        yield AgentBar(page, server)
    finally:
        context.close()
