"""The ceiling of the benchmark: a bare Starlette JSON endpoint on the same server stack as micc-sim."""

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

BODY = {"id": "e3e70682-c209-4cac-a29f-6fbed82c07cd", "conversationState": "InQueue", "positionInQueue": 1,
        "queueId": "61fadc6d-875b-4eff-b759-629ab6cfe835", "queueName": "Web Chat", "queueReporting": "P7001",
        "agentName": None, "agentId": None, "agentReporting": None, "timeOfferedToAgent": None,
        "timeOfferedToQueue": "2026-01-05T09:00:00Z", "timeOfferedToSystem": "2026-01-05T09:00:00Z"}


async def item(request):
    return JSONResponse(BODY)


app = Starlette(routes=[Route("/item", item)])
