// An mqtt.js client as a Node or browser app runs it against the CloudLink connection URL.
// Usage: node mqttjs_client.cjs URL CLIENT_ID KEEPALIVE_SECONDS TOPIC STAY_MS
// Prints one JSON line per event (connect, suback, message, close, error), then {"event":"done"} after STAY_MS.
const path = require("path");
const mqtt = require(path.join(__dirname, "..", ".node", "node_modules", "mqtt"));

const [url, clientId, keepalive, topic, stayMs] = process.argv.slice(2);
const say = (event, extra = {}) => process.stdout.write(JSON.stringify({ event, ...extra }) + "\n");
let closes = 0;
const client = mqtt.connect(url, {
  clientId, keepalive: Number(keepalive), protocolVersion: 4, clean: true, reconnectPeriod: 0,
  connectTimeout: 5000,
});
client.on("connect", () => {
  say("connect");
  client.subscribe(topic, { qos: 1 }, (err, granted) => say("suback", { error: err ? String(err) : null,
    granted: (granted || []).map((g) => g.qos) }));
});
client.on("message", (t, payload) => say("message", { topic: t, payload: payload.toString() }));
client.on("close", () => { closes += 1; say("close"); });
client.on("error", (err) => say("error", { message: String(err) }));
setTimeout(() => { say("done", { closes, connected: client.connected }); client.end(true, () => process.exit(0)); },
  Number(stayMs));
