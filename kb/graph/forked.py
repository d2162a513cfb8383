"""A function run in a forked child process while the caller goes on: its inputs are
inherited through fork, not pickled; only its result comes back, through a pipe. Where
fork is not available, or not wanted, the function runs in the caller's process when its
result is asked for.

Started is a context manager: a child whose result was never taken (the caller raised
first) is stopped on leaving the block, not left waiting on its pipe."""
from __future__ import annotations

import sys
from multiprocessing import get_context
from typing import Any, Callable


class Started:
    """fn(*args), started in a forked child (`fork=True` on Linux); calling the object
    waits for the result (and raises what fn raised)."""

    def __init__(self, fn: Callable[..., Any], *args: Any, fork: bool = True) -> None:
        self.fn, self.args = fn, args
        self.child = None
        if fork and sys.platform.startswith("linux"):
            ctx = get_context("fork")
            self.receive, send = ctx.Pipe(duplex=False)
            self.child = ctx.Process(target=self._run, args=(send,), daemon=True)
            self.child.start()
            send.close()

    def _run(self, send) -> None:
        try:
            send.send((True, self.fn(*self.args)))
        except BaseException as exc:  # sent to the caller, who raises it
            send.send((False, exc))

    def __call__(self) -> Any:
        if self.child is None:
            return self.fn(*self.args)
        try:
            ok, value = self.receive.recv()
        except EOFError:
            raise RuntimeError(f"{getattr(self.fn, '__name__', self.fn)} died in its child process") from None
        finally:
            self._close()
        if not ok:
            raise value
        return value

    def _close(self) -> None:
        self.receive.close()
        self.child.join()
        self.child = None

    def stop(self) -> None:
        """Stop the child if its result was not taken."""
        if self.child is not None:
            self.child.terminate()
            self._close()

    def __enter__(self) -> "Started":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

