"""Reading a file object ahead in a thread: zlib's decompression and crc32 release the GIL, so a
zip member's next chunks are inflated while the caller scans the previous one (the guard's
pass over a workbook, :mod:`xl_collections.io.guard`).  Same chunks, same exceptions, at the
same chunk; only the wall clock changes.
"""
from __future__ import annotations

import queue
import threading

DEPTH = 4                      # chunks read ahead at most (memory: DEPTH x the chunk size)


def read_ahead(fh, size: int, depth: int = DEPTH):
    """The chunks ``fh.read(size)`` gives until it gives ``b""``, read by a thread at most
    ``depth`` chunks ahead.  An exception of a read is raised here, after the chunks read
    before it.  Closing the generator (or leaving the loop) stops the thread before it returns,
    so ``fh`` may be closed right after."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.is_set():
                chunk = fh.read(size)
                q.put(chunk)
                if not chunk:
                    return
        except BaseException as e:  # noqa: BLE001 - handed to the reader, raised there
            q.put(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():           # let a put() blocked on a full queue through
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()
