"""Reply templates: each employee's personal templates per media (files in a folder tree under the server's
reply-template directory) and the global templates a site shares (created, changed and deleted through the
MiCC SDK). Paths use the server's backslashes; lookups ignore case, as the Windows file system does."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from micc_sim.world.catalog import not_found
from micc_sim.world.catalog_config import CatalogConfig
from micc_sim.world.config import stable_id

if TYPE_CHECKING:
    from micc_sim.world.core import World
    from micc_sim.world.model import Employee

PERSONAL_MEDIA = ("Chat", "Email", "Sms")


@dataclass(frozen=True)
class TemplateFile:
    full_path: str  # base\media\username\folder\file
    relative: str  # folder\file, below the employee's own folder
    text: str

    @property
    def name(self) -> str:
        return self.relative.rsplit("\\", 1)[-1]


@dataclass
class Folder:
    """A node of an employee's template tree: a folder (with children) or a file."""

    label: str
    path: str
    children: list[Folder] = field(default_factory=list)
    is_folder: bool = True


@dataclass
class GlobalTemplate:
    id: str
    site_id: str
    template: str
    template_text: str
    media: str
    tags: list[str]
    queue_ids: list[str]
    customer_text: str
    created_on: datetime
    modified_on: datetime


class ReplyTemplates:
    def __init__(self, config: CatalogConfig, world: World) -> None:
        self.root = config.template_root.rstrip("\\")
        self._world = world
        self._personal: list[tuple[str, str | None, str, str]] = []  # (media, employee id or None, rel, text)
        for t in config.personal_templates:
            owner = world.employee(t.employee).id if t.employee else None
            self._personal.append((t.media, owner, t.path.replace("/", "\\").strip("\\"), t.text))
        now = world.clock.now()
        self.global_templates: dict[str, GlobalTemplate] = {}
        for g in config.global_templates:
            gid = g.id or stable_id("globalreplytemplate", g.template)
            self.global_templates[gid] = GlobalTemplate(
                gid, world.site.id, g.template, g.text, g.media, list(g.tags),
                [world.queue(q).id for q in g.queues], g.customer_text, now, now)

    # -- personal templates ------------------------------------------------------------------
    def base_directory(self, media: str) -> str:
        return f"{self.root}\\{media}"

    def folder_of(self, media: str, employee: Employee) -> str:
        return f"{self.base_directory(media)}\\{employee.username}"

    def files(self, media: str, employee: Employee) -> list[TemplateFile]:
        folder = self.folder_of(media, employee)
        return [TemplateFile(f"{folder}\\{rel}", rel, text) for m, owner, rel, text in self._personal
                if m == media and owner in (None, employee.id)]

    def every_file(self, media: str) -> Iterable[TemplateFile]:
        for employee in self._world.employees.values():
            yield from self.files(media, employee)

    def file_at(self, media: str, full_path: str) -> TemplateFile:
        wanted = full_path.replace("/", "\\").lower()
        for f in self.every_file(media):
            if f.full_path.lower() == wanted:
                return f
        raise not_found(f"reply template file {full_path!r} not found")

    def file_named(self, media: str, employee: Employee, name: str) -> TemplateFile:
        """One of the employee's files, by its name or its path below their folder."""
        wanted = name.replace("/", "\\").strip("\\").lower()
        for f in self.files(media, employee):
            if wanted in (f.relative.lower(), f.name.lower()):
                return f
        raise not_found(f"personal reply template {name!r} not found")

    def is_file(self, media: str, full_path: str) -> bool:
        wanted = full_path.replace("/", "\\").lower()
        return any(f.full_path.lower() == wanted for f in self.every_file(media))

    def is_directory(self, media: str, full_path: str) -> bool:
        wanted = full_path.replace("/", "\\").rstrip("\\").lower()
        if wanted == self.base_directory(media).lower():
            return True
        return any(f.full_path.lower().startswith(wanted + "\\") for f in self.every_file(media))

    def tree(self, media: str, employee: Employee) -> Folder:
        root = Folder(employee.username, self.folder_of(media, employee))
        for f in self.files(media, employee):
            node = root
            parts = f.relative.split("\\")
            for part in parts[:-1]:
                child = next((c for c in node.children if c.is_folder and c.label.lower() == part.lower()), None)
                if child is None:
                    child = Folder(part, f"{node.path}\\{part}")
                    node.children.append(child)
                node = child
            node.children.append(Folder(parts[-1], f.full_path, is_folder=False))
        return root

    # -- global templates --------------------------------------------------------------------
    def global_template(self, ref: str) -> GlobalTemplate:
        wanted = ref.lower()
        for t in self.global_templates.values():
            if t.id.lower() == wanted:
                return t
        raise not_found(f"global reply template {ref!r} not found")

    def save_global(self, template: GlobalTemplate) -> GlobalTemplate:
        self.global_templates[template.id] = template
        return template

    def delete_global(self, ref: str) -> GlobalTemplate:
        return self.global_templates.pop(self.global_template(ref).id)

    def tags(self) -> list[tuple[str, int]]:
        """Each tag global templates use, with how many use it (first seen first)."""
        counts: dict[str, int] = {}
        for t in self.global_templates.values():
            for tag in t.tags:
                counts[tag] = counts.get(tag, 0) + 1
        return list(counts.items())
