"""Pausing Python's cyclic garbage collector while the sim runs.

A simulated run makes no cyclic garbage (every object it drops is freed by reference counting;
tests/test_engine_scale.py checks it), yet the collector keeps scanning everything alive: the
plan, the FRG, the record. For a 100,000-call plan those scans were a third of the run. The pause
covers the sim only: a real run executes user code (results it unpickles) whose garbage is not
ours to vouch for, and its speed is set by the functions, not by the engine.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(pause: bool = True) -> Iterator[None]:
    """Disable the cyclic collector for the block (when `pause`), restoring its state after."""
    was_enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause and not gc.get_freeze_count():
            # What the block allocated is still young to the collector: its first collection
            # after the pause would scan all of it (for a 100,000-call run, half a million
            # objects, about 0.3 s). Objects that lived through a run are long-lived, so they
            # go to the oldest generation at once (freeze then unfreeze moves every tracked
            # object there, without a scan), which is scanned only after it has grown by a
            # quarter: any garbage among them is still collected then. Not when something
            # is frozen already (the TUI freezes its start-up heap, and a sweep it runs comes
            # here): unfreeze would thaw that too.
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()
