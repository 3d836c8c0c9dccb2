"""The fake hiscores over HTTP: the real site's paths, plus the control API.

Standard library only (a thread per connection, HTTP/1.1 keep-alive), so it
starts in milliseconds inside a test and needs nothing installed. Every thread
is a daemon and `stop()` wakes any request held by a `hang` or `slow` fault, so
stopping never waits on a client.
"""

from __future__ import annotations

import contextlib
import re
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hiscores.fake import control
from hiscores.fake.app import (
    DEFAULT_GENERATED,
    DEFAULT_STEP_SECONDS,
    HTML,
    FakeHiscores,
    Reply,
)
from hiscores.fake.render import PAGES

_HISCORES_PATH = re.compile(r"/m=([a-z_]+)/index_lite\.(json|ws)")
_FRONT_PAGE = re.compile(r"/m=([a-z_]+)/overall(?:\.ws)?")
_NOT_FOUND = Reply(404, PAGES["not_found"])
# How long a keep-alive connection may sit idle before its thread lets go.
IDLE_TIMEOUT_SECONDS = 60.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeHiscores/1.0"
    disable_nagle_algorithm = True  # small replies on keep-alive: no 40 ms ACK stalls
    timeout = IDLE_TIMEOUT_SECONDS
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        self._dispatch(self._body())

    def do_DELETE(self) -> None:
        self._dispatch(self._body())

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(min(max(length, 0), 1_000_000)) if length else b""

    def _dispatch(self, body: bytes) -> None:
        try:
            reply = self._reply(body)
        except Exception:  # a bug here must still answer, as the real site would
            traceback.print_exc(file=sys.stderr)
            reply = Reply(500, PAGES["server_error"])
        self._send(reply)

    def _reply(self, body: bytes) -> Reply:
        fake = self.server.fake
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/_control" or url.path.startswith("/_control/"):
            return control.handle(fake, self.command, url.path, query, body)
        if match := _HISCORES_PATH.fullmatch(url.path):
            player = query.get("player", [None])[0]
            return fake.answer(match[1], "json" if match[2] == "json" else "csv", player)
        if self.command == "GET" and _FRONT_PAGE.fullmatch(url.path):
            return Reply(200, PAGES["overall"], HTML)
        return _NOT_FOUND

    def _send(self, reply: Reply) -> None:
        if reply.delay and self.server.stopping.wait(reply.delay):
            reply = Reply(0, b"", hang=True)  # the server is stopping: answer nothing
        if reply.hang:
            self.close_connection = True
            return
        head = [
            f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('Error',))[0]}",
            f"Server: {self.server_version}",
            f"Content-Type: {reply.content_type}",
            f"Content-Length: {len(reply.body)}",
            *(f"{name}: {value}" for name, value in reply.headers),
        ]
        if self.close_connection:
            head.append("Connection: close")
        # One write for head and body: fewer syscalls, and no half-sent reply.
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # hundreds of requests a second: a log line each would cost more than the reply


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], fake: FakeHiscores) -> None:
        self.fake = fake
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away (a timeout on a slow fault): not our error
        super().handle_error(request, client_address)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def drop_connections(self) -> None:
        # Wakes handler threads waiting on idle keep-alive sockets.
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class FakeHiscoresServer(FakeHiscores):
    """The fake hiscores, served on `host:port` (port 0: any free port).

    with FakeHiscoresServer(port=0, grow=False) as fake:
        client = HiscoresClient(base_url=fake.base_url)
        fake.set_fault("503", times=5)
        fake.gain("psikoi", "attack", 1000)
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        grow: bool = False,
        generated: int = DEFAULT_GENERATED,
        step_seconds: float = DEFAULT_STEP_SECONDS,
        growth_origin: float | None = None,
    ) -> None:
        super().__init__(
            grow=grow, generated=generated, step_seconds=step_seconds, growth_origin=growth_origin
        )
        self.host = host
        self._requested_port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("The fake hiscores server is not running.")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """What to set `OSRS_HISCORES_BASE_URL` to."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> FakeHiscoresServer:
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-hiscores:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        httpd.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the management command)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> FakeHiscoresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
