"""Helpers of the bridge tests: async test bodies with a time limit, polling, a cuttable TCP relay and a server
running in a thread of its own (a module of its own name, so that no other ``conftest`` can shadow it)."""
import asyncio
import socket
import time


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(coro, timeout: float = 60.0):
    """Run an async test body, failing (instead of hanging) after ``timeout`` seconds."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def until(condition, timeout: float = 10.0, what: str = "condition", debug=None) -> None:
    """Wait until ``condition()`` is true, polling every 20 ms."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} {debug() if debug else ''}")
        await asyncio.sleep(0.02)


class Proxy:
    """A loopback TCP relay between a client and a server whose connections a test can cut and restore:
    a network outage while the server keeps running."""

    def __init__(self, listen_port: int, target_port: int) -> None:
        self.listen_port, self.target_port = listen_port, target_port
        self._server = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.listen_port)

    async def cut(self) -> None:
        """Stop listening and drop every open connection."""
        self._server.close()
        await self._server.wait_closed()
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    async def _relay(self, reader, writer) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [writer, up_writer]

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


class ServerThread:
    """A TwinServer running in its own thread and event loop, so that one server (slow to start: asyncua builds
    the whole standard address space) serves all the tests of a module, each with its own ``asyncio.run``."""

    def __init__(self, server) -> None:
        import threading

        self.server = server
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._main(),), daemon=True)

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with self.server:
                self._ready.set()
                await self._stop.wait()
        except BaseException as exc:  # noqa: BLE001 -- handed to the test thread
            self._error = exc
            self._ready.set()

    def __enter__(self):
        self._thread.start()
        self._ready.wait(120)
        if self._error:
            raise self._error
        return self.server

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
