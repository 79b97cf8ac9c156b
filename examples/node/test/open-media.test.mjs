// An Open Media integration's test, as a Node project would write it: no micc-sim library, only the URLs that
// `micc-sim exec` puts in the environment, Node's own fetch and node:test.
//   micc-sim exec --clock manual -- node --test test/
import { test } from "node:test";
import assert from "node:assert/strict";

const sdk = process.env.MICC_SIM_SDK_URL;
const tokenUrl = process.env.MICC_SIM_TOKEN_URL;
const control = process.env.MICC_SIM_CONTROL_URL;

async function clientToken() {
  // Clients.config's client of the default world (the integrator guide's example).
  const form = new URLSearchParams({ grant_type: "client_credentials", client_id: "Talkative",
                                     client_secret: "7d9f1b26-2a7b-46e9-a2e7-1acb3ea5b26d" });
  const answer = await fetch(tokenUrl, { method: "POST", body: form });
  assert.equal(answer.status, 200);
  return (await answer.json()).access_token;
}

test("exec hands the simulator's URLs to the command", () => {
  assert.match(process.env.MICC_SIM_URL, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(sdk, `${process.env.MICC_SIM_URL}/miccsdk/api/v1`);
});

test("a chat posted to Open Media is offered to an agent", async () => {
  const headers = { Authorization: `Bearer ${await clientToken()}`, "Content-Type": "application/json" };
  const posted = await fetch(`${sdk}/openmedia`, {
    method: "POST", headers,
    body: JSON.stringify({ queue: "Web Chat", from: "ada@example.com", subject: "Where is my order?" }),
  });
  assert.equal(posted.status, 201);
  const { id } = await posted.json();
  await fetch(`${control}/clock/advance`, { method: "POST", headers: { "Content-Type": "application/json" },
                                            body: JSON.stringify({ seconds: 5 }) });
  const item = await (await fetch(`${sdk}/openmedia/${id}`, { headers })).json();
  assert.ok(["Offered", "Acd"].includes(item.conversationState), item.conversationState);
});
