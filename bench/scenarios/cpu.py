"""CPU-bound work for the engine benchmarks: a pure-Python loop (no BLAS threads to tame).

This is a labelled synthetic load: it burns CPU for a fixed amount of work, not a fixed time,
so a call that shares its processor takes longer, exactly as real compute does."""


def burn(units: int = 40) -> int:
    """About 12 ms of one core per unit on this machine (measured: see bench_engine.py)."""
    acc = 0
    for i in range(units * 250_000):
        acc = (acc + i * i) % 1_000_003
    return acc


def noop() -> None:
    return None


def average(*values: object) -> float:
    nums = [float(v) for v in values if isinstance(v, int | float)]
    return sum(nums) / len(nums) if nums else 0.0
