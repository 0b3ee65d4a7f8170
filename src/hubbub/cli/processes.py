"""``hubbub serve --workers N``: N server processes, each with a listening socket of its own on
the same port (``SO_REUSEPORT``), so that the kernel spreads new connections over them evenly.

uvicorn's own ``--workers`` shares one listening socket among its processes, and whichever
process happens to be in ``accept()`` takes the connection: a client that opens its keep-alive
connections at once can find nearly all of them on one process while the other idles
(measured: 32 connections split 25/7 and worse; one such run used one core of two and reached
640 creates/s where balanced runs reached 1,100). With a socket per process, each connection
is assigned by a hash of its addresses.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
from collections.abc import Sequence
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

BACKLOG = 2048


def serve_processes(
    host: str, port: int, workers: int, factory: str, options: dict[str, Any]
) -> int:
    """Run ``workers`` server processes until a signal stops them or one of them ends; the
    exit status (non-zero when a process failed)."""
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_serve_one, args=(host, port, factory, options), name=f"hubbub-{n}")
        for n in range(workers)
    ]

    def stop(signum: int, frame: FrameType | None) -> None:
        _terminate(children)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    for child in children:
        child.start()
    status = _wait_for_first_exit(children)
    _terminate(children)
    for child in children:
        child.join()
    return status


def _wait_for_first_exit(children: Sequence[BaseProcess]) -> int:
    ready = wait([child.sentinel for child in children])
    ended = next(child for child in children if child.sentinel in ready)
    ended.join()  # its sentinel is ready before the process can be reaped
    return 0 if ended.exitcode in (0, -signal.SIGTERM, -signal.SIGINT) else 1


def _terminate(children: Sequence[BaseProcess]) -> None:
    for child in children:
        if child.is_alive():
            child.terminate()  # SIGTERM: uvicorn shuts down gracefully


def _serve_one(host: str, port: int, factory: str, options: dict[str, Any]) -> None:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(factory, factory=True, **options))
    server.run(sockets=[bind(host, port, reuse_port=True)])


def bind(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A socket listening on ``host:port``; with ``reuse_port``, one of several processes'."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock
