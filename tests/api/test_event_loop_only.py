"""No route runs code on a worker thread. FastAPI calls a plain ``def`` endpoint or dependency
(a class used as ``Depends()`` too) through a thread pool: a thread hop per request that cost
more than a short SQLite read, and SQLite's connections belong to the event loop's thread
(``hubbub.db.uow``). Every endpoint and dependency is a coroutine or an async generator."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute


def runs_on_the_loop(call: Callable[..., Any]) -> bool:
    if inspect.isclass(call):
        return False  # its __init__ is called like a plain function
    function = call if inspect.isroutine(call) else type(call).__call__
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


def calls_of(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from calls_of(sub)


def test_every_endpoint_and_dependency_runs_on_the_event_loop(app: FastAPI) -> None:
    routes = [route for route in app.routes if isinstance(route, APIRoute)]
    assert len(routes) > 100  # every surface is mounted
    threaded = {
        f"{route.path}: {getattr(call, '__qualname__', call)}"
        for route in routes
        for call in [route.endpoint, *calls_of(route.dependant)]
        if not runs_on_the_loop(call)
    }
    assert threaded == set()
