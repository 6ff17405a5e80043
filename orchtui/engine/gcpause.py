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
        if was_enabled:
            gc.enable()
