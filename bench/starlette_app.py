"""A reference point between the bare ASGI limit and a full mock: bare Starlette on the same
uvicorn, one catch-all route answering the same static body (the issue's "practical limit")."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.baseline import BODY


async def answer(request: Request) -> Response:
    await request.body()
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])
