"""A page written the way Mitel's MiCC SDK samples are written (jQuery's ``$.ajax``, a form-encoded login,
JavaScript-literal bodies with ``content-type: application/json``), served from another origin and run in
Debian's headless Chromium: the browser's CORS checks are the real ones."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agentbar import loopback_site
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

JQUERY = Path(__file__).parent / ".node" / "node_modules" / "jquery" / "dist" / "jquery.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(CHROMIUM is None or not JQUERY.exists(),
                                reason="Debian's chromium and npm's jquery are installed by scripts/test-setup.sh")

# the calls of the samples' micc.js, agentPresence, authenticationToken and contacts pages, as they make them
PAGE = """<!doctype html><html><head><meta charset="utf-8"><script src="/jquery.js"></script><script>
function Micc(serverAddress) {
  var base = `http://${serverAddress}`, sdk = `${base}/miccsdk/api/v1`, auth = `${base}/authorizationserver`;
  var bearerToken = '';
  function ajax(options) {
    return new Promise(function (resolve, reject) {
      $.ajax(options).done(resolve).fail(function (xhr) { reject(new Error('HTTP ' + xhr.status)); });
    });
  }
  this.login = function (username, password) {
    var data = `grant_type=password&username=${username}&password=${password}`;
    return ajax({type: "POST", url: `${auth}/token`, data: data,
                 headers: {"Content-Type": "application/x-www-form-urlencoded"}})
      .then(function (data) { bearerToken = data.access_token; return data; });
  };
  this.claims = function () {
    return ajax({method: 'GET', url: `${auth}/api/account`, beforeSend: function (xhr) {
      xhr.setRequestHeader('Authorization', 'Bearer ' + bearerToken); }});
  };
  this.request = function (apiSubUrl, method, body) {
    return ajax({type: method, url: `${sdk}/${apiSubUrl}`, data: body,
                 headers: {Authorization: `Bearer ${bearerToken}`, 'content-type': 'application/json'}});
  };
}
window.run = async function (server, username, password) {
  var micc = new Micc(server), seen = {};
  seen.login = await micc.login(username, password);
  seen.claims = await micc.claims();
  var codes = await micc.request('employees/me/busyreasoncodes', 'GET', null);
  var dnd = codes._embedded.items.filter(function (c) { return c.type === 'Dnd'; })[0];
  seen.put = await micc.request('employees/me/state', 'PUT', `{
        'state': 'DoNotDisturb',
        'reason': '${dnd.id}'
    }`);
  seen.state = (await micc.request('employees/me/state', 'GET', null)).presence.aggregate;
  seen.found = (await micc.request(`directory?$search='Lovelace'`, 'GET', null))._embedded.items.map(
    function (e) { return e.name; });
  seen.added = await micc.request('directory', 'POST', `{
			"Name":"Page Contact",
			"Email":"page@example.com",
			"Phone":"",
			"Extension":"",
			"MobilePhone":""
		}`);
  return seen;
};
window.tryLogin = function (server) {
  return new Micc(server).login('_admin', '_password').then(function () { return 'ok'; },
                                                           function (error) { return error.message; });
};
</script></head><body>samples</body></html>"""


@contextlib.contextmanager
def sample_site() -> Iterator[str]:
    """The samples' own web server (their IIS site): a throwaway app on another loopback port."""
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def jquery(request: Request) -> Response:
        return Response(JQUERY.read_bytes(), media_type="application/javascript")

    with loopback_site(Starlette(routes=[Route("/samples.html", page), Route("/jquery.js", jquery)]),
                       "samples-site") as origin:
        yield origin


@pytest.fixture(scope="module")
def samples_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sample_site() as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{origin}/samples.html")
            yield page
        finally:
            browser.close()


def server_of(live: Any) -> str:
    return live.base_url.removeprefix("http://")


def test_a_sample_page_on_another_origin_logs_in_sets_dnd_and_searches_the_directory(live, samples_page):
    seen = samples_page.evaluate("([s, u, p]) => window.run(s, u, p)", [server_of(live), "tcervantes", "password"])
    assert seen["login"]["token_type"] == "bearer" and seen["login"]["userName"] == "tcervantes"
    assert seen["claims"]["userName"] == "tcervantes" and seen["claims"]["roles"] == "Agent"
    assert seen["put"] == "OK"
    assert seen["state"]["state"] == "DoNotDisturb" and seen["state"]["reason"] == "Coaching"
    assert seen["found"] == ["Ada Lovelace"]
    assert seen["added"]["type"] == "ElasticContact" and seen["added"]["name"] == "Page Contact"
    assert any(c.name == "Page Contact" for c in live.sim.world.contacts.values())


def test_the_browser_blocks_a_page_whose_origin_is_not_allowed(live_with, samples_page):
    live = live_with(cors_origins=["https://wallboard.example"])
    assert samples_page.evaluate("s => window.tryLogin(s)", server_of(live)) == "HTTP 0"  # blocked by CORS
    assert samples_page.evaluate("s => window.tryLogin(s)", server_of(live_with())) == "ok"
