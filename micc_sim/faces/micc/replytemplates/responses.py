"""Personal reply templates, as the Chat, Email and Sms tags each serve them for their media: the caller's own
files, their folder tree, a file's content, and the access checks Ignite makes before it opens a path."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc import access
from micc_sim.spec.router import ApiError, Call, Handler
from micc_sim.world.core import World
from micc_sim.world.reply_templates import Folder, TemplateFile


def _file_to_wire(f: TemplateFile) -> dict[str, Any]:
    return {"path": f.full_path, "template": f.text, "templateName": f.name}


def _folder_to_wire(node: Folder) -> dict[str, Any]:
    return {"label": node.label, "children": [_folder_to_wire(c) for c in node.children] if node.is_folder else None,
            "noLeaf": node.is_folder, "data": {"path": node.path}}


def _query(call: Call, name: str) -> str:
    value = next((v for k, v in call.query.items() if k.lower() == name.lower()), "")
    if not value:
        raise ApiError(400, "The request is invalid.", {name: [f"The {name} field is required."]})
    return value


def personal_handlers(tag: str, media: str, access_checks: bool = True) -> dict[str, Handler]:
    """The ``{tag}_...ReplyTemplate...`` operations for ``media`` (Chat, Email, Sms)."""
    def templates(call: Call) -> list[dict[str, Any]]:
        world: World = call.world
        return [_file_to_wire(f) for f in world.reply_templates.files(media, access.require_employee(call))]

    def base_directory(call: Call) -> str:
        return call.world.reply_templates.base_directory(media)

    def content(call: Call) -> dict[str, Any]:
        world: World = call.world
        found = world.reply_templates.file_named(media, access.require_employee(call), _query(call, "fileName"))
        return {"string": found.text}

    def template(call: Call) -> dict[str, Any]:
        return _file_to_wire(call.world.reply_templates.file_at(media, _query(call, "filePath")))

    def file_names(call: Call) -> list[dict[str, Any]]:
        world: World = call.world
        return [{"name": f.name, "path": f.relative}
                for f in world.reply_templates.files(media, access.require_employee(call))]

    def folders(call: Call) -> dict[str, Any]:
        world: World = call.world
        return _folder_to_wire(world.reply_templates.tree(media, access.require_employee(call)))

    def file_access(call: Call) -> str:
        """"True" when the file exists under the reply-template directory, else "False" (inferred)."""
        return str(call.world.reply_templates.is_file(media, _query(call, "filePath")))

    def directory_access(call: Call) -> str:
        return str(call.world.reply_templates.is_directory(media, _query(call, "filePath")))

    handlers: dict[str, Handler] = {
        f"{tag}_GetPersonalReplyTemplates": templates,
        f"{tag}_GetReplyTemplatesBaseDirectory": base_directory,
        f"{tag}_GetPersonalReplyTemplateContent": content,
        f"{tag}_GetReplyTemplate": template,
        f"{tag}_GetPersonalReplyTemplateFileNames": file_names,
        f"{tag}_GetPersonalReplyTemplateFolders": folders,
    }
    if access_checks:
        handlers[f"{tag}_GetReplyTemplateFileAccess"] = file_access
        handlers[f"{tag}_GetReplyTemplateDirectoryAccess"] = directory_access
    return handlers
