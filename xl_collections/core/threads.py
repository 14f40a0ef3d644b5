"""Work started in a thread beside the caller's own: for steps whose heavy parts are numpy or
Arrow kernels, which release the GIL, so two cores share them.  The same result and the same
exception as calling the function; where no thread can start (Pyodide, xlwings Lite) the work
simply runs when its result is asked for."""
from __future__ import annotations

import threading
from typing import Callable, TypeVar

T = TypeVar("T")


def beside(fn: Callable[[], T], thread: bool = True) -> Callable[[], T]:
    """Start ``fn()`` in a thread when ``thread``; returns a callable that waits for it and
    gives its result (the same object each time), or raises its exception."""
    if thread:
        box: dict = {}

        def run() -> None:
            try:
                box["result"] = fn()
            except BaseException as e:  # noqa: BLE001 - raised in the caller
                box["error"] = e
        t = threading.Thread(target=run, name="xlc-beside", daemon=True)
        try:
            t.start()
        except RuntimeError:            # no threads here
            thread = False
    if not thread:
        done: dict = {}

        def later() -> T:
            if "result" not in done:
                done["result"] = fn()
            return done["result"]
        return later

    def result() -> T:
        t.join()
        if "error" in box:
            raise box["error"]
        return box["result"]
    return result
