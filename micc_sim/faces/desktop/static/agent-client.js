/*
 * AgentClient: the JavaScript interface of Agent Integration (the camelCase requests marked JS = Yes), each returning a
 * Promise, over the simulator's socket.io agent desktop (namespace /agent) with socketio-lite.js.
 *
 *   const agentClient = new AgentClient();                  // this page's server
 *   agentClient.on("OnOpenMediaEvent", (item) => ...);      // the document's events, PascalCase
 *   await agentClient.connect({logonId: "tcervantes", password: "password"});   // or {token: "..."}
 *   const info = await agentClient.getUserInformation();
 *   await agentClient.setOpenMediaReadyStatus(true);
 *
 * A request the server cannot bind (bad arguments) rejects with an Error; a request the agent's state does not
 * allow resolves false, as the document says.
 */
(function (root) {
  "use strict";

  const REQUESTS = /*REQUESTS*/[];

  class AgentClient {
    constructor(url) {
      this.url = url || location.origin;
      this.socket = null;
      this.listeners = new Map();
      this.requests = REQUESTS;
    }

    on(event, handler) {
      if (!this.listeners.has(event)) this.listeners.set(event, []);
      this.listeners.get(event).push(handler);
      return this;
    }

    emitLocal(event, args) {
      const call = (handler, values) => { try { handler.apply(null, values); } catch (err) { console.error(err); } };
      for (const handler of this.listeners.get(event) || []) call(handler, args);
      for (const handler of this.listeners.get("*") || []) call(handler, [event].concat(args));
    }

    connect(auth) {
      this.close();
      const socket = new root.SocketIOLite(this.url, { namespace: "/agent", auth: auth || null });
      socket.on("*", (event, ...args) => this.emitLocal(event, args));
      for (const reserved of ["connect", "disconnect", "connect_error"]) {
        socket.on(reserved, (...args) => this.emitLocal(reserved, args));
      }
      this.socket = socket;
      return socket.connect().then(() => this);
    }

    /** Any request by name (PascalCase or camelCase), arguments positional or one object of named ones. */
    request(name, ...args) {
      if (!this.socket || !this.socket.connected) return Promise.reject(new Error("not connected"));
      return this.socket.call(name, ...args).then((answer) => {
        if (answer && typeof answer === "object" && !Array.isArray(answer) && answer.error) {
          const error = new Error(answer.error.message);
          error.code = answer.error.code;
          throw error;
        }
        return answer;
      });
    }

    close() {
      if (this.socket) this.socket.close();
      this.socket = null;
    }
  }

  for (const r of REQUESTS) {
    if (r.js) AgentClient.prototype[r.camel] = function (...args) { return this.request(r.camel, ...args); };
  }

  root.AgentClient = AgentClient;
})(typeof window !== "undefined" ? window : globalThis);
