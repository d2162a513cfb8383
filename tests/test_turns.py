"""Worker processes of `kb ingest --jobs` store their chunks in file order (kb/store/turns.py):
the order one process stores them in, whatever order the workers finish analysing."""
import time
from multiprocessing import get_context

import pytest

from kb.store.turns import TurnFailed, Turns

CTX = get_context("fork")


def _take_turn(turns: Turns, number: int, delay: float, log, fail: bool = False) -> None:
    time.sleep(delay)  # later turns are ready first: they must wait
    try:
        with turns.turn(number):
            if fail:
                raise ValueError(f"turn {number} breaks")
            log.put(number)
    except (TurnFailed, ValueError) as exc:
        log.put(f"{type(exc).__name__} {number}")


def _run(turns: Turns, delays: list[float], fail: int | None = None) -> list:
    log = CTX.SimpleQueue()  # put writes at once (a Queue's feeder thread could reorder turns' entries)
    procs = [CTX.Process(target=_take_turn, args=(turns, n, d, log, n == fail)) for n, d in enumerate(delays)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0, "a process waiting for its turn did not end"
    return [log.get() for _ in procs]


def test_turns_run_in_their_order_whoever_is_ready_first():
    assert _run(Turns(CTX), [0.3, 0.2, 0.1, 0.0]) == [0, 1, 2, 3]


def test_a_failed_turn_fails_every_later_turn_at_once():
    got = _run(Turns(CTX), [0.0, 0.1, 0.0, 0.0], fail=1)
    assert got[0] == 0  # the later ones are logged as their processes see the failure
    assert set(got[1:]) == {"ValueError 1", "TurnFailed 2", "TurnFailed 3"}


def test_a_turn_in_one_process_waits_for_the_one_before():
    turns = Turns(CTX)
    with turns.turn(0):
        pass
    with turns.turn(1):
        pass
    with pytest.raises(ValueError):
        with turns.turn(2):
            raise ValueError("storing failed")
    with pytest.raises(TurnFailed):
        with turns.turn(3):
            pass
