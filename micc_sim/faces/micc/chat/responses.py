"""Chat tag: the caller's personal chat reply templates, and CloudLink chats' tags and transcripts."""

from __future__ import annotations

from micc_sim.faces.micc.chat.cloudlink import HANDLERS as CLOUDLINK
from micc_sim.faces.micc.replytemplates.responses import personal_handlers

HANDLERS = {**personal_handlers("Chat", "Chat"), **CLOUDLINK}
