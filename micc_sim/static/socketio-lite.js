/*
 * socketio-lite: a small Socket.IO client for pages served by micc-sim (no npm code, no network needed).
 *
 * Transport: Engine.IO protocol 4 over a WebSocket only (no long-polling, no upgrade): the server's open packet
 * gives the ping interval and timeout; the server pings ("2") and we answer pong ("3").
 * Packets: Socket.IO protocol 5, text only: CONNECT to a namespace with an auth object, EVENT with an optional
 * ack id, ACK, CONNECT_ERROR and DISCONNECT. Binary packets are not supported (the simulator sends JSON).
 *
 *   const socket = new SocketIOLite("http://127.0.0.1:8080", {namespace: "/agent", auth: {...}});
 *   socket.on("connect", () => ...); socket.on("SomeEvent", (a, b) => ...); socket.on("*", (name, ...args) => ...);
 *   await socket.connect();                     // resolves when the namespace accepted us, rejects on connect_error
 *   const answer = await socket.call("Name", arg1, arg2);   // an event with an acknowledgement
 *   socket.emit("Name", arg);                   // an event without one
 *   socket.close();
 *
 * Reserved events: "connect", "connect_error" (an Error), "disconnect" (a reason string).
 */
(function (root) {
  "use strict";

  const EIO = { OPEN: "0", CLOSE: "1", PING: "2", PONG: "3", MESSAGE: "4" };
  const SIO = { CONNECT: 0, DISCONNECT: 1, EVENT: 2, ACK: 3, CONNECT_ERROR: 4, BINARY_EVENT: 5, BINARY_ACK: 6 };

  /** Encode a Socket.IO packet (text). */
  function encode(packet) {
    let out = String(packet.type);
    if (packet.nsp && packet.nsp !== "/") out += packet.nsp + ",";
    if (packet.id !== undefined && packet.id !== null) out += String(packet.id);
    if (packet.data !== undefined) out += JSON.stringify(packet.data);
    return out;
  }

  /** Decode a Socket.IO packet (text); throws on a malformed one. */
  function decode(text) {
    let i = 0;
    const type = Number(text.charAt(i++));
    if (!(type >= 0 && type <= 6) || Number.isNaN(type)) throw new Error("unknown packet type " + text.charAt(0));
    if (type === SIO.BINARY_EVENT || type === SIO.BINARY_ACK) throw new Error("binary packets are not supported");
    let nsp = "/";
    if (text.charAt(i) === "/") {
      const comma = text.indexOf(",", i);
      const end = comma === -1 ? text.length : comma;
      nsp = text.slice(i, end);
      i = end + 1;
    }
    let id = "";
    while (i < text.length && text.charAt(i) >= "0" && text.charAt(i) <= "9") id += text.charAt(i++);
    const rest = text.slice(i);
    return { type, nsp, id: id === "" ? null : Number(id), data: rest === "" ? undefined : JSON.parse(rest) };
  }

  function websocketUrl(base, path) {
    const url = new URL(path, base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("EIO", "4");
    url.searchParams.set("transport", "websocket");
    return url.toString();
  }

  class SocketIOLite {
    constructor(url, options) {
      const opts = options || {};
      this.url = url || (typeof location !== "undefined" ? location.origin : "");
      this.namespace = opts.namespace || "/";
      this.auth = opts.auth === undefined ? null : opts.auth;
      this.path = opts.path || "/socket.io/";
      this.ackTimeout = opts.ackTimeout || 30000;
      this.handlers = new Map();
      this.acks = new Map();
      this.nextAck = 0;
      this.ws = null;
      this.connected = false;
      this.pingTimer = null;
      this.pingDeadline = 60000;
    }

    on(event, handler) {
      if (!this.handlers.has(event)) this.handlers.set(event, []);
      this.handlers.get(event).push(handler);
      return this;
    }

    off(event, handler) {
      const list = this.handlers.get(event) || [];
      this.handlers.set(event, handler ? list.filter((h) => h !== handler) : []);
      return this;
    }

    fire(event, args, catchAll) {
      for (const handler of this.handlers.get(event) || []) {
        try { handler.apply(null, args); } catch (err) { console.error(err); }
      }
      if (catchAll) {
        for (const handler of this.handlers.get("*") || []) {
          try { handler.apply(null, [event].concat(args)); } catch (err) { console.error(err); }
        }
      }
    }

    connect() {
      if (this.ws) this.close();
      return new Promise((resolve, reject) => {
        let settled = false;
        const settle = (fn, value) => { if (!settled) { settled = true; fn(value); } };
        const ws = new WebSocket(websocketUrl(this.url, this.path));
        this.ws = ws;
        ws.onmessage = (message) => this.receive(String(message.data), settle, resolve, reject);
        ws.onerror = () => settle(reject, new Error("websocket error"));
        ws.onclose = () => {
          settle(reject, new Error("the connection closed before the namespace accepted it"));
          if (this.ws === ws) this.dropped("transport close");
        };
      });
    }

    receive(frame, settle, resolve, reject) {
      const kind = frame.charAt(0);
      if (kind === EIO.OPEN) {
        const open = JSON.parse(frame.slice(1));
        this.pingDeadline = (open.pingInterval || 25000) + (open.pingTimeout || 20000);
        this.watchPings();
        this.send({ type: SIO.CONNECT, nsp: this.namespace, data: this.auth === null ? undefined : this.auth });
      } else if (kind === EIO.PING) {
        this.watchPings();
        this.ws.send(EIO.PONG);
      } else if (kind === EIO.CLOSE) {
        this.ws.close();
      } else if (kind === EIO.MESSAGE) {
        let packet;
        try { packet = decode(frame.slice(1)); } catch (err) { console.error("socketio-lite:", err); return; }
        if (packet.nsp !== this.namespace) return;
        if (packet.type === SIO.CONNECT) {
          this.connected = true;
          this.sid = packet.data && packet.data.sid;
          settle(resolve, this);
          this.fire("connect", []);
        } else if (packet.type === SIO.CONNECT_ERROR) {
          const error = new Error((packet.data && packet.data.message) || "connection refused");
          error.data = packet.data;
          settle(reject, error);
          this.fire("connect_error", [error]);
          this.ws.close();
        } else if (packet.type === SIO.EVENT) {
          const [name, ...args] = packet.data || [];
          if (packet.id !== null) args.push((...answer) => this.send({ type: SIO.ACK, nsp: this.namespace,
                                                                       id: packet.id, data: answer }));
          this.fire(name, args, true);
        } else if (packet.type === SIO.ACK) {
          const pending = this.acks.get(packet.id);
          if (pending) {
            this.acks.delete(packet.id);
            clearTimeout(pending.timer);
            pending.resolve(packet.data || []);
          }
        } else if (packet.type === SIO.DISCONNECT) {
          this.ws.close();
        }
      }
    }

    watchPings() {
      clearTimeout(this.pingTimer);
      this.pingTimer = setTimeout(() => { if (this.ws) this.ws.close(); }, this.pingDeadline);
    }

    send(packet) {
      if (!this.ws || this.ws.readyState !== 1) throw new Error("not connected");
      this.ws.send(EIO.MESSAGE + encode(packet));
    }

    emit(event, ...args) {
      this.send({ type: SIO.EVENT, nsp: this.namespace, data: [event].concat(args) });
    }

    /** An event with an acknowledgement: resolves with the ack's arguments (an array). */
    callAll(event, ...args) {
      return new Promise((resolve, reject) => {
        const id = this.nextAck++;
        const timer = setTimeout(() => {
          this.acks.delete(id);
          reject(new Error(event + ": no acknowledgement within " + this.ackTimeout + " ms"));
        }, this.ackTimeout);
        this.acks.set(id, { resolve, reject, timer });
        try {
          this.send({ type: SIO.EVENT, nsp: this.namespace, id, data: [event].concat(args) });
        } catch (err) {
          clearTimeout(timer);
          this.acks.delete(id);
          reject(err);
        }
      });
    }

    /** An event with an acknowledgement: resolves with the ack's first argument. */
    call(event, ...args) {
      return this.callAll(event, ...args).then((answer) => answer[0]);
    }

    dropped(reason) {
      clearTimeout(this.pingTimer);
      for (const pending of this.acks.values()) {
        clearTimeout(pending.timer);
        pending.reject(new Error("disconnected"));
      }
      this.acks.clear();
      const was = this.connected;
      this.connected = false;
      this.ws = null;
      if (was) this.fire("disconnect", [reason]);
    }

    close() {
      if (!this.ws) return;
      const ws = this.ws;
      try {
        if (this.connected) this.send({ type: SIO.DISCONNECT, nsp: this.namespace });
      } catch (err) { /* closing anyway */ }
      ws.close();
      this.dropped("io client disconnect");
    }
  }

  SocketIOLite.encode = encode;
  SocketIOLite.decode = decode;
  root.SocketIOLite = SocketIOLite;
  if (typeof module !== "undefined" && module.exports) module.exports = SocketIOLite;
})(typeof window !== "undefined" ? window : globalThis);
