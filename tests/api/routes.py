"""Every route of the native API, read from the app itself so that a new route is covered by
the tests that walk them all (errors, workspace isolation) without anyone listing it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

_PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class NativeRoute:
    method: str
    path: str  # as declared, with its ``{parameters}``
    route: APIRoute

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    @property
    def body_fields(self) -> list[str]:
        """The top-level fields of the JSON body model, if the route takes one."""
        fields: list[str] = []
        for param in self.route.dependant.body_params:
            model_fields = getattr(param.field_info.annotation, "model_fields", None)
            fields.extend(model_fields or [param.name])
        return fields

    @property
    def query_params(self) -> list[str]:
        return [param.alias for param in self.route.dependant.query_params]

    def url(self, values: dict[str, str]) -> str:
        return _PATH_PARAM.sub(lambda match: values[match[1]], self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def native_routes(app: FastAPI) -> list[NativeRoute]:
    found: list[NativeRoute] = []
    shadows: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):
        path = context.path
        if not path or not path.startswith("/v1/"):
            continue
        route = context.original_route
        methods = sorted(context.methods or ())
        if not isinstance(route, APIRoute):
            # A fast route in front of an API route (``api/native/fast_create``).
            shadows.extend((method, path) for method in methods)
            continue
        found.extend(NativeRoute(method, path, route) for method in methods)
    served = {(route.method, route.path) for route in found}
    assert set(shadows) <= served, f"routes that are not API routes: {set(shadows) - served}"
    return found
