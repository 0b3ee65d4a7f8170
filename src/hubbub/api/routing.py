"""Flat routing. FastAPI 0.16x keeps included routers as nested objects and matches a request
against every level twice; on the message-create path that cost more than the SQL did. The
surfaces therefore copy their routes straight onto the app (what ``include_router`` used to do),
so a request is matched once against one list."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute


def add_routes(app: FastAPI, router: APIRouter, *, prefix: str = "") -> None:
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"only API routes can be flattened, not {route!r}")
        app.router.add_api_route(
            prefix + route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=list(route.tags),
            dependencies=list(route.dependencies),
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=dict(route.responses),
            deprecated=route.deprecated,
            methods=sorted(route.methods or ()),
            operation_id=route.operation_id,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            openapi_extra=route.openapi_extra,
        )
