"""MQTT 3.1.1 packets as a broker reads and writes them (OASIS MQTT Version 3.1.1, section numbers below).

Only what the notifications' broker needs: it reads CONNECT, SUBSCRIBE, UNSUBSCRIBE, PUBACK, PINGREQ and
DISCONNECT (and recognises a PUBLISH, which it refuses), and writes CONNACK, SUBACK, UNSUBACK, PUBLISH (QoS 0
or 1) and PINGRESP. MQTT 3.1 (protocol name ``MQIsdp``, level 3) is read too, as mosquitto does; level 5 is
answered with return code 1 (unacceptable protocol version), which a 3.1.1 server sends [MQTT-3.1.2-2].

Why a codec of our own (docs/cloudlink-notifications.md, "The MQTT broker"): the maintained MQTT libraries
on the registry are clients (paho-mqtt, gmqtt, aiomqtt), whole brokers with their own listeners and
dependency pins (amqtt pins websockets==15.0.1; iotcore runs rumqttd in a child process on its own port), or
codecs of MQTT 5 only (mqtt5, moat-lib-mqtt); the one 3.1.1 codec (mqtt-codec, 2019) no longer installs.
The packets a broker of one purpose reads are few and strictly specified, so they are parsed here, with
every length checked against what is left and a cap on a packet's size (:data:`MAX_PACKET`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PACKET = 64 * 1024  # a client sends us CONNECT and SUBSCRIBE, nothing large: a bigger packet is refused

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14

# CONNACK return codes (3.2.2.3)
ACCEPTED, BAD_PROTOCOL, BAD_CLIENT_ID, UNAVAILABLE, BAD_CREDENTIALS, NOT_AUTHORIZED = 0, 1, 2, 3, 4, 5
SUBSCRIBE_REFUSED = 0x80  # a SUBACK return code (3.9.3)

# the fixed header's flags each packet type must carry (2.2.2); PUBLISH's vary
_FLAGS = {CONNECT: 0, PUBACK: 0, PUBREC: 0, PUBREL: 2, PUBCOMP: 0, SUBSCRIBE: 2, UNSUBSCRIBE: 2, PINGREQ: 0,
          DISCONNECT: 0}


class MalformedPacket(ValueError):
    """The bytes are not an MQTT 3.1.1 packet a client may send: the server closes the connection (4.8)."""


@dataclass
class Connect:
    protocol_level: int
    client_id: str
    clean_session: bool
    keep_alive: int  # seconds; 0: no keep-alive
    username: str | None = None
    password: bytes | None = None
    will_topic: str | None = None


@dataclass
class Subscribe:
    packet_id: int
    topics: list[tuple[str, int]] = field(default_factory=list)  # (topic filter, requested QoS)


@dataclass
class Unsubscribe:
    packet_id: int
    topics: list[str] = field(default_factory=list)


@dataclass
class Packet:
    """Any other packet: its type, flags and (for PUBACK and the like) the packet identifier."""

    type: int
    flags: int = 0
    packet_id: int | None = None


Incoming = Connect | Subscribe | Unsubscribe | Packet


class Reader:
    """Bytes in (as WebSocket messages bring them, a packet across messages or several in one), packets out."""

    def __init__(self, max_packet: int = MAX_PACKET) -> None:
        self.buffer = bytearray()
        self.max_packet = max_packet

    def feed(self, data: bytes) -> list[Incoming]:
        """The packets ``data`` completes. A client's message holds at most a couple of packets' worth: more is
        refused rather than parsed into a pile (a WebSocket message may be megabytes)."""
        if len(self.buffer) + len(data) > 2 * self.max_packet + 8:
            raise MalformedPacket(f"more than {2 * self.max_packet} bytes at once: not what an MQTT client sends")
        self.buffer += data
        packets: list[Incoming] = []
        start = 0
        try:
            while True:
                framed = self._frame(start)
                if framed is None:
                    return packets
                first, body, start = framed
                packets.append(parse(first >> 4, first & 0x0F, body))
        finally:
            del self.buffer[:start]  # once: the bytes of every packet taken

    def _frame(self, start: int) -> tuple[int, bytes, int] | None:
        """The whole packet at ``start``: its first byte, its body and where the next begins; None until more
        bytes arrive (2.2.3)."""
        buffer = self.buffer
        length, multiplier, position = 0, 1, start + 1
        while True:
            if position >= len(buffer):
                if position - start > 4:
                    raise MalformedPacket("the remaining length takes more than 4 bytes")
                return None
            byte = buffer[position]
            length += (byte & 0x7F) * multiplier
            position += 1
            if not byte & 0x80:
                break
            multiplier *= 128
            if position - start > 4:
                raise MalformedPacket("the remaining length takes more than 4 bytes")
        if length > self.max_packet:
            raise MalformedPacket(f"a packet of {length} bytes is larger than this server takes ({self.max_packet})")
        if len(buffer) < position + length:
            return None
        return buffer[start], bytes(buffer[position:position + length]), position + length


def parse(kind: int, flags: int, body: bytes) -> Incoming:
    if kind in _FLAGS and flags != _FLAGS[kind]:
        raise MalformedPacket(f"packet type {kind} with flags {flags:#x} (must be {_FLAGS[kind]:#x})")
    cursor = _Cursor(body)
    if kind == CONNECT:
        return _connect(cursor)
    if kind == SUBSCRIBE:
        packet_id = cursor.packet_id()
        topics = []
        while cursor.left():
            topic = cursor.string()
            qos = cursor.byte()
            if qos & 0xFC:
                raise MalformedPacket("a SUBSCRIBE's reserved bits are not 0 [MQTT-3-8.3-4]")
            topics.append((topic, qos))
        if not topics:
            raise MalformedPacket("a SUBSCRIBE without a topic filter [MQTT-3.8.3-3]")
        return Subscribe(packet_id, topics)
    if kind == UNSUBSCRIBE:
        packet_id = cursor.packet_id()
        names = []
        while cursor.left():
            names.append(cursor.string())
        if not names:
            raise MalformedPacket("an UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]")
        return Unsubscribe(packet_id, names)
    if kind in (PUBACK, PUBREC, PUBREL, PUBCOMP):
        packet = Packet(kind, flags, cursor.packet_id())
        cursor.end()
        return packet
    if kind in (PINGREQ, DISCONNECT):
        cursor.end()
        return Packet(kind, flags)
    if kind == PUBLISH:
        return Packet(kind, flags)  # refused by the broker: clients do not publish here
    raise MalformedPacket(f"packet type {kind} is not one a client sends")


def _connect(cursor: _Cursor) -> Connect:
    name, level = cursor.string(), cursor.byte()
    if (name, level) not in (("MQTT", 4), ("MQIsdp", 3)):
        if name in ("MQTT", "MQIsdp"):
            return Connect(level, "", True, 0)  # the broker answers BAD_PROTOCOL [MQTT-3.1.2-2]
        raise MalformedPacket(f"protocol name {name!r} is not MQTT [MQTT-3.1.2-1]")
    flags = cursor.byte()
    if flags & 0x01:
        raise MalformedPacket("CONNECT's reserved flag is not 0 [MQTT-3.1.2-3]")
    will, will_qos, has_user, has_password = flags & 0x04, (flags >> 3) & 0x03, flags & 0x80, flags & 0x40
    if (not will and (will_qos or flags & 0x20)) or will_qos == 3 or (has_password and not has_user):
        raise MalformedPacket("CONNECT's will or password flags do not go together [MQTT-3.1.2-11..22]")
    packet = Connect(level, "", bool(flags & 0x02), cursor.short())
    packet.client_id = cursor.string()
    if will:
        packet.will_topic = cursor.string()
        cursor.binary()
    if has_user:
        packet.username = cursor.string()
    if has_password:
        packet.password = cursor.binary()
    cursor.end()
    return packet


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def left(self) -> int:
        return len(self.data) - self.at

    def take(self, n: int) -> bytes:
        if self.left() < n:
            raise MalformedPacket("the packet ends inside a field")
        chunk = self.data[self.at:self.at + n]
        self.at += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def short(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def packet_id(self) -> int:
        value = self.short()
        if value == 0:
            raise MalformedPacket("packet identifier 0 [MQTT-2.3.1-1]")
        return value

    def binary(self) -> bytes:
        return self.take(self.short())

    def string(self) -> str:
        """A UTF-8 string (1.5.3): well-formed, without U+0000 [MQTT-1.5.3-1, -2]."""
        raw = self.binary()
        try:
            text = raw.decode("utf-8")  # refuses surrogates and overlong forms
        except UnicodeDecodeError as exc:
            raise MalformedPacket("a string is not well-formed UTF-8 [MQTT-1.5.3-1]") from exc
        if "\x00" in text:
            raise MalformedPacket("a string holds U+0000 [MQTT-1.5.3-2]")
        return text

    def end(self) -> None:
        if self.left():
            raise MalformedPacket("bytes after the packet's last field")


# -- what the broker writes -------------------------------------------------------------------------
def _packet(first: int, body: bytes) -> bytes:
    length, encoded = len(body), bytearray()
    while True:
        byte, length = length % 128, length // 128
        encoded.append(byte | (0x80 if length else 0))
        if not length:
            return bytes([first]) + bytes(encoded) + body


def _string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return len(raw).to_bytes(2, "big") + raw


def connack(code: int, session_present: bool = False) -> bytes:
    return _packet(CONNACK << 4, bytes([1 if session_present and code == ACCEPTED else 0, code]))


def suback(packet_id: int, codes: list[int]) -> bytes:
    return _packet(SUBACK << 4, packet_id.to_bytes(2, "big") + bytes(codes))


def unsuback(packet_id: int) -> bytes:
    return _packet(UNSUBACK << 4, packet_id.to_bytes(2, "big"))


def publish(topic: str, payload: bytes, qos: int, packet_id: int | None = None, dup: bool = False) -> bytes:
    flags = (0x08 if dup else 0) | (qos << 1)
    head = _string(topic) + (packet_id.to_bytes(2, "big") if qos and packet_id else b"")
    return _packet((PUBLISH << 4) | flags, head + payload)


PINGRESP_BYTES = bytes([PINGRESP << 4, 0])
