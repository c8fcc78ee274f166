"""The one main loop the fake servers share: an asyncio loop in a daemon thread, so synchronous and
asyncio tests alike can drive a fake, and the standalone `python -m tests.fakes.<fake>` wait."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Awaitable, Callable
from typing import Any


class ServerThread:
    """Runs a fake's setup in a new event loop on its own thread, then serves until stopped."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None

    def start(self, setup: Callable[[], Awaitable[None]]) -> None:
        """Run `setup()` (bind the sockets) in the thread; its error is raised here."""
        ready, errors = threading.Event(), []

        def run() -> None:
            loop = self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(setup())
            except BaseException as exc:  # reported to the caller of start()
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self.thread = threading.Thread(target=run, name=self.name, daemon=True)
        self.thread.start()
        ready.wait(10)
        if errors:
            self.thread = self.loop = None
            raise errors[0]

    def stop(self, teardown: Callable[[], Awaitable[None]]) -> None:
        """Run `teardown()` (close connections and sockets) in the loop, then end the thread."""
        if self.loop is None or self.thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(teardown(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.thread = self.loop = None

    def call(self, coro: Any) -> Any:
        """Run a coroutine in the fake's loop from a test's thread; its result."""
        if self.loop is None:
            coro.close()
            raise RuntimeError(f"{self.name} is not started")
        if threading.current_thread() is self.thread:
            coro.close()
            raise RuntimeError(f"{self.name}: control API called from the fake's own event loop")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def soon(self, callback: Callable[[], None]) -> None:
        """Call `callback` in the fake's loop, from any thread (nothing when it is not running)."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(callback)


def serve_until_interrupted(fake: Any, banner: str) -> None:
    """A standalone fake: print how to reach it, serve until Ctrl-C or SIGTERM, then stop it."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(banner, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
