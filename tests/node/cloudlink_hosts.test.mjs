// CloudLink at Mitel's own host names over HTTPS, as Mitel's Node samples call them: node's built-in fetch,
// hosts routed to the simulator by tests/node/mitel-hosts.cjs (a hosts-file line), the simulator's CA
// trusted through NODE_EXTRA_CA_CERTS. Run by tests/test_cloudlink_mitel_hosts.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';

const form = (fields) => new URLSearchParams(fields).toString();
const login = { grant_type: 'password', username: 'admin@wagner.example.com', password: 'password',
  account_id: '105444491' };

async function token(url) {
  const response = await fetch(url, { method: 'post', body: form(login),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).access_token;
}

for (const host of ['authentication.api.mitel.io', 'authentication.us.api.mitel.io',
  'authentication.eu.api.mitel.io', 'authentication.dev.api.mitel.io']) {
  test(`a password grant at https://${host}/2017-09-01/token gives a token`, async () => {
    assert.match(await token(`https://${host}/2017-09-01/token`), /^ey/);
  });
}

test('the legacy https://api.mitel.io/2017-09-01/token gives a token', async () => {
  assert.match(await token('https://api.mitel.io/2017-09-01/token'), /^ey/);
});

test('a token from one region works at another region and stage of the same service', async () => {
  const bearer = await token('https://authentication.us.api.mitel.io/2017-09-01/token');
  for (const host of ['notifications.eu.api.mitel.io', 'notifications.api.mitel.io']) {
    const response = await fetch(`https://${host}/2017-09-01/subscriptions`, { headers: { Authorization: bearer } });
    assert.equal(response.status, 200, host);
    const body = await response.json();
    assert.equal(body._links.self.href ?? body._links.self, `https://${host}/2017-09-01/subscriptions`);
  }
});

test('the media sample\'s endpoint read at media.us-west-2.us.dev.api.mitel.io links back to that host', async () => {
  const bearer = await token('https://authentication.dev.api.mitel.io/2017-09-01/token');
  const url = 'https://media.us-west-2.us.dev.api.mitel.io/2017-09-01/endpoints/5001';
  const response = await fetch(url, { headers: { 'Content-Type': 'application/json', Authorization: bearer } });
  assert.equal(response.status, 200);
  const endpoint = await response.json();
  assert.equal(endpoint.endpointId, '5001');
  assert.equal(endpoint._links.self, url);
});

test('a page that is not the last links to the next one at the host the client used', async () => {
  const bearer = await token('https://authentication.api.mitel.io/2017-09-01/token');
  const url = 'https://media.us.api.mitel.io/2017-09-01/endpoints?$top=1';
  const body = await (await fetch(url, { headers: { Authorization: `Bearer ${bearer}` } })).json();
  assert.equal(body.count, 1);
  assert.equal(body._links.self, 'https://media.us.api.mitel.io/2017-09-01/endpoints');
  assert.equal(body._links.next, 'https://media.us.api.mitel.io/2017-09-01/endpoints?%24top=1&%24skip=1');
});

test('chat.dev.api.mitel.io serves the chat sample\'s conversations', async () => {
  const bearer = await token('https://authentication.dev.api.mitel.io/2017-09-01/token');
  const response = await fetch('https://chat.dev.api.mitel.io/2017-09-01/conversations',
    { headers: { Authorization: bearer } });
  assert.equal(response.status, 200);
});

test('an unknown service under api.mitel.io answers CloudLink\'s 404 naming the host', async () => {
  const response = await fetch('https://nosuchservice.us.api.mitel.io/2017-09-01/things');
  assert.equal(response.status, 404);
  const body = await response.json();
  assert.equal(body.name, 'NotFoundError');
  assert.match(body.message, /nosuchservice\.us\.api\.mitel\.io/);
});

test('node:https (the samples\' isomorphic-fetch underneath) reaches the same host and trusts its certificate', async () => {
  const status = await new Promise((resolve, reject) => {
    https.get('https://authentication.api.mitel.io/2017-09-01/.well-known/jwks.json', (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', reject);
  });
  assert.equal(status, 200);
});

test('the Service Delivery API answers at servicedelivery.api.mitel.io', async () => {
  const bearer = await token('https://authentication.api.mitel.io/2017-09-01/token');
  const response = await fetch('https://servicedelivery.api.mitel.io/2017-09-01/agreements',
    { headers: { Authorization: `Bearer ${bearer}` } });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.count, 1);
  assert.equal(body._embedded.items[0].status, 'active');
});

test('the bot-handoff sample\'s webhook call at workflow.us.dev.api.mitel.io queues the conversation', async () => {
  // as the sample's sendToMitel(): fetch(url, { method: 'POST', body: JSON.stringify(data) }), nothing else
  const url = 'https://workflow.us.dev.api.mitel.io/2017-09-01/webhooks/accounts/105444491/workers';
  const data = { type: 'handoff', conversation: { id: 'node-conversation|livechat' },
    from: { id: 'node-user', name: 'Node User', role: 'user' }, transcript: [], custom: {} };
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(data) });
  assert.ok(response.status >= 200 && response.status <= 299, String(response.status));
  const body = await response.json();
  assert.equal(body.state, 'queued');
  assert.ok(body.itemId);
});

test('a path no service has, at a Mitel host, is a 404 naming the URL the client sent', async () => {
  const response = await fetch('https://media.api.mitel.io/2017-09-01/nothing-here');
  assert.equal(response.status, 404);
  const body = await response.json();
  assert.ok(body.message.includes("'https://media.api.mitel.io/2017-09-01/nothing-here'"), body.message);
});

// HTTP_PROXY from Node: Node 20's fetch ignores proxy variables. node:http sends the absolute-form request
// itself (below); with undici installed, setGlobalDispatcher(new ProxyAgent(proxy)) makes fetch do the same.
const proxy = process.env.MICC_SIM_PROXY;

test('node:http through HTTP_PROXY reaches an http:// Mitel URL, and the links name it', { skip: !proxy }, async () => {
  const { port, hostname } = new URL(proxy);
  const url = 'http://media.us.api.mitel.io/2017-09-01/nothing-here';
  const [status, body] = await new Promise((resolve, reject) => {
    http.get({ host: hostname, port, path: url, headers: { Host: 'media.us.api.mitel.io' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve([response.statusCode, text]));
    }).on('error', reject);
  });
  assert.equal(status, 404);
  assert.ok(JSON.parse(body).message.includes(`'${url}'`), body);
});

test('undici\'s ProxyAgent makes fetch use the proxy, when undici is installed', { skip: !proxy }, async (t) => {
  let undici;
  try {
    undici = await import('undici');
  } catch {
    t.skip('undici is not installed');
    return;
  }
  const agent = new undici.ProxyAgent(proxy);
  const response = await undici.fetch('http://authentication.api.mitel.io/2017-09-01/.well-known/jwks.json',
    { dispatcher: agent });
  assert.equal(response.status, 200);
  assert.ok((await response.json()).keys);
});
