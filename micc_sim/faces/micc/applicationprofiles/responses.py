"""ApplicationProfile tag: the profiles an application (Ignite, ...) offers at the world's site."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from micc_sim.faces.micc.wire import listing, path_segment
from micc_sim.spec.router import Call
from micc_sim.world.catalog import ApplicationProfile
from micc_sim.world.core import World


def profile_to_wire(world: World, profile: ApplicationProfile, call: Call) -> dict[str, Any]:
    return {
        "_links": {"self": {"href": call.url_for(
            f"/applicationprofiles/{quote(profile.application, safe='')}/{path_segment(profile.id)}")}},
        "_embedded": None,
        "id": profile.id,
        "name": profile.name,
        "application": profile.application,
        "site": world.site.name,
    }


def get_profiles(call: Call) -> dict[str, Any]:
    app = call.path["appname"]
    return listing(call, f"/applicationprofiles/{quote(app, safe='')}", profile_to_wire,
                   call.world.catalog.application_profiles_of(app))


def get_profile(call: Call) -> dict[str, Any]:
    world: World = call.world
    return profile_to_wire(world, world.catalog.application_profile(call.path["appname"],
                                                                    call.path["profilenameorid"]), call)


HANDLERS = {"ApplicationProfile_GetApplicationProfiles": get_profiles,
            "ApplicationProfile_GetApplicationProfile": get_profile}
