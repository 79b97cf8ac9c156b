"""MailServer tag: the mail servers e-mail queues send and receive through, from the world's catalog.
Passwords are never shown (the server writes null for them)."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc.wire import listing, path_segment
from micc_sim.spec.router import Call
from micc_sim.world.catalog import MailServer, find
from micc_sim.world.core import World


def mail_server_to_wire(world: World, server: MailServer, call: Call) -> dict[str, Any]:
    c = server.config
    return {
        "_links": {"self": {"href": call.url_for(f"/mailservers/{path_segment(server.id)}")}},
        "_embedded": None,
        "id": server.id,
        "name": server.name,
        "smtpServer": c.smtp_server,
        "smtpUsesSsl": c.smtp_uses_ssl,
        "smtpPort": c.smtp_port,
        "smtpConnectionTimeoutSeconds": 100,
        "smtpFromName": c.from_name,
        "smtpFromEmail": c.from_email,
        "smtpAuthenticationRequired": True,
        "smtpUsername": c.from_email or None,
        "smtpPassword": None,
        "smtpDomain": None,
        "incommingServerName": c.incoming_server,
        "incommingEnableTLS": True,
        "incommingPort": c.incoming_port,
        "incommingConnectionTimeout": 100,
        "incommingFolder": c.incoming_folder,
        "incomingEmailAliases": ";".join(c.aliases) or None,
        "incommingUserInfoSameAsOutgoingUserInfo": True,
        "incommingUsername": c.from_email or None,
        "incommingPassword": None,
        "incommingDomain": None,
    }


def get_mail_servers(call: Call) -> dict[str, Any]:
    return listing(call, "/mailservers", mail_server_to_wire, call.world.catalog.mail_servers.values())


def get_mail_server(call: Call) -> dict[str, Any]:
    world: World = call.world
    server = find(world.catalog.mail_servers, call.path["id"], "mail server")
    assert isinstance(server, MailServer)
    return mail_server_to_wire(world, server, call)


HANDLERS = {"MailServer_GetMailServers": get_mail_servers, "MailServer_GetMailServer": get_mail_server}
