"""Hub invocations are read with the limits of every body: too deep or a lone surrogate is refused as a
protocol error (the client gets SignalR's error result), never stored or echoed."""

from __future__ import annotations

import pytest

from micc_sim.faces.micc.signalr.protocol import ProtocolError, hub_error, parse_invocation


@pytest.mark.parametrize("text", [
    '{"H":"queuehub","M":"addStateMonitor","A":[["\\ud800"]],"I":0}',
    '{"H":"queuehub","M":"addStateMonitor","A":' + "[" * 200 + "]" * 200 + ',"I":0}',
])
def test_a_hostile_hub_invocation_is_a_protocol_error(text):
    with pytest.raises(ProtocolError) as refused:
        parse_invocation(text)
    assert refused.value.status == 400
    hub_error(None, refused.value.message).encode("utf-8")  # the error result itself can be written


def test_an_ordinary_invocation_is_read():
    call = parse_invocation('{"H":"queuehub","M":"addStateMonitor","A":[["P7001"]],"I":"3"}')
    assert (call.hub, call.method, call.args, call.id) == ("queuehub", "addStateMonitor", [["P7001"]], "3")
