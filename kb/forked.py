"""A function run in a forked child process while the caller goes on: its inputs are
inherited through fork, not pickled; only its result comes back, through a pipe. Where
fork is not available the function runs at once, in the caller's process."""
from __future__ import annotations

import sys
from multiprocessing import get_context
from typing import Any, Callable


def started(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """Start fn(*args) in a forked child; returns a function that waits for its result
    (and raises what fn raised)."""
    if not sys.platform.startswith("linux"):
        value = fn(*args)
        return lambda: value
    ctx = get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def run() -> None:
        try:
            send.send((True, fn(*args)))
        except BaseException as exc:  # sent to the caller, who raises it
            send.send((False, exc))

    child = ctx.Process(target=run, daemon=True)
    child.start()
    send.close()

    def result() -> Any:
        try:
            ok, value = receive.recv()
        except EOFError:
            raise RuntimeError(f"{getattr(fn, '__name__', fn)} died in its child process") from None
        finally:
            receive.close()
            child.join()
        if not ok:
            raise value
        return value

    return result
