"""The ways a puppet service gateway goes away, for the stand-in (tests/support/wechaty_standin.py).

- stop(): the process dies; the kernel closes its connections (the client sees them drop).
- stop_gracefully(): every event stream ends with OK trailers, then the server stops listening the way grpclib's
  Server.close() does: established connections stay open.
- close_server(): grpclib's Server.close() while the process lives on: handlers cancelled (no trailers, no
  RST_STREAM), connections left open, unary RPCs such as Ding still answered on them — a zombie.
- blackhole(): half-open TCP (the host vanished, or a NAT forgot us): established connections swallow everything
  and answer nothing; new connections are served (the gateway came back behind them).
- start_silent(): something listens on the port, accepts connections and never says a word.
Then start() brings the gateway back on the same port.
"""
from __future__ import annotations

import asyncio
from typing import Any

from grpclib.server import Server

from tests.support.waiting import eventually

END_OF_STREAM = None  # put in an event queue: the Event handler returns (OK trailers)


class RecordingServer(Server):
    """A grpclib Server that remembers its connections, so a fault can close or freeze them."""

    def __init__(self, handlers: list[Any]) -> None:
        super().__init__(handlers)
        self.connections: list[asyncio.Transport] = []

    def _protocol_factory(self) -> Any:
        protocol = super()._protocol_factory()
        made = protocol.connection_made

        def connection_made(transport: asyncio.Transport) -> None:
            self.connections.append(transport)
            made(transport)

        protocol.connection_made = connection_made  # type: ignore[method-assign]
        return protocol


class GatewayFaults:
    """Mixed into PuppetStandIn: uses its `_server`, `_subscribers`, `port` and `start()`."""

    _server: RecordingServer | None
    _subscribers: list[asyncio.Queue[Any]]
    port: int

    def _init_faults(self) -> None:
        self._left_open: list[RecordingServer] = []  # servers closed with their connections still open
        self._silent: asyncio.Server | None = None
        self._silent_writers: list[asyncio.StreamWriter] = []

    async def stop(self) -> None:
        """The process dies: stop listening and close every connection (left-open ones too)."""
        await self._stop_silent()
        server, self._server = self._server, None
        for old in [*self._left_open, *([server] if server else [])]:
            if old is server:
                server.close()
            for connection in old.connections:
                connection.close()
        self._left_open.clear()
        if server is not None:
            await server.wait_closed()
        self._subscribers.clear()

    async def stop_gracefully(self) -> None:
        """End every event stream with OK trailers, then close the server; connections stay open."""
        for queue in self._subscribers:
            queue.put_nowait(END_OF_STREAM)
        await eventually(lambda: not self._subscribers, 2, what="every event stream to end")
        await self.close_server()

    async def close_server(self) -> None:
        """grpclib's Server.close(): stop listening, cancel handlers, leave connections open."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            self._left_open.append(server)
        await asyncio.sleep(0)  # one turn of the loop: the cancelled handlers run their ends before we forget them
        self._subscribers.clear()

    def blackhole(self) -> None:
        """Established connections go silent both ways; the server keeps serving new ones."""
        if self._server is None:
            return
        for connection in self._server.connections:
            if not connection.is_closing():
                connection.pause_reading()
                connection.write = lambda data: None  # type: ignore[method-assign]
        self._subscribers.clear()  # their streams are gone: events wait for the next client

    async def start_silent(self) -> None:
        """Listen on the port, accept every connection and never answer."""

        async def say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._silent_writers.append(writer)
            await reader.read()

        self._silent = await asyncio.start_server(say_nothing, "127.0.0.1", self.port, reuse_address=True)

    async def _stop_silent(self) -> None:
        silent, self._silent = self._silent, None
        if silent is not None:
            silent.close()
            for writer in self._silent_writers:
                writer.close()
            self._silent_writers.clear()
