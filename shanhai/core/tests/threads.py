"""Run pieces of a test in threads at once, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_at_once(*pieces: Callable[[], object], timeout: float = 60) -> list[BaseException]:
    """Run each piece in a thread of its own, wait for all, and return what any of them raised
    (an assertion in a thread would otherwise only be printed). Each thread closes its database
    connection at the end, so the test database can be dropped."""
    failures: list[BaseException] = []

    def run(piece: Callable[[], object]) -> None:
        try:
            piece()
        except BaseException as error:  # handed back to the test, which asserts on it
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(piece,)) for piece in pieces]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return failures
