"""uvicorn's httptools protocol, with a warning that says what was wrong.

uvicorn answers bytes its HTTP parser cannot read with a 400 and the bare warning "Invalid
HTTP request received.", before any application code runs: no peer, no reason, and no access
line, so nobody can tell a scanner from a broken client. Measured against ``serve`` (one
process and ``--workers``): health checks, connect-and-close probes, half-closed requests,
keep-alive load and a SIGTERM under load never produce it; ordinary tools do when they send
what the strict parser refuses, above all a URL with raw non-ASCII bytes (``curl
'…/v1/messages?q=café'`` sends them unencoded), a body without ``Content-Length``, or TLS or
HTTP/2 spoken to the plain port. This protocol logs the peer, the parser's reason and the
first bytes instead, and writes the request log's line for the 400."""

from __future__ import annotations

import logging

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("hubbub.http")
SHOWN_BYTES = 60


class DiagnosedHttpToolsProtocol(HttpToolsProtocol):
    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._refuse(error, data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def _refuse(self, error: Exception, data: bytes) -> None:
        peer = f"{self.client[0]}:{self.client[1]}" if self.client else "unknown peer"
        log.warning(
            "invalid HTTP request from %s: %s; it began %r", peer, error, data[:SHOWN_BYTES]
        )
        logging.getLogger("hubbub.access").info("- - 400 (unparsable request from %s)", peer)
        self.send_400_response("Invalid HTTP request received.")
