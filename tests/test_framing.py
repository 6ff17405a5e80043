"""The engine's side of a worker pipe speaks Connection's framing without Connection."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from orchtui.executors.framing import FramedPipe


@pytest.fixture
def pipes():
    here, there = multiprocessing.Pipe(duplex=True)
    yield here, there
    here.close()
    there.close()


def test_messages_a_connection_sends_are_read_whole_and_in_order(pipes) -> None:
    here, there = pipes
    pipe = FramedPipe(here.fileno())
    sizes = [0, 1, 3, 4, 5, 100, 65531, 65532, 65536, 70000, 300_000]
    payloads = [bytes([i % 251]) * n for i, n in enumerate(sizes)]
    # a writer thread: a message bigger than the pipe's buffer must be read while written
    writer = threading.Thread(target=lambda: [there.send_bytes(p) for p in payloads])
    writer.start()
    got = [pipe.recv() for _ in payloads]
    writer.join()
    assert got == payloads
    assert not pipe.buffered() and not pipe.poll()


def test_two_small_messages_read_at_once_are_both_delivered(pipes) -> None:
    here, there = pipes
    there.send_bytes(b"first")
    there.send_bytes(b"second")
    pipe = FramedPipe(here.fileno())
    assert pipe.recv() == b"first"
    assert pipe.buffered() and pipe.poll()  # read already: the descriptor may be empty
    assert pipe.recv() == b"second"
    assert not pipe.buffered()


def test_what_it_sends_a_connection_reads(pipes) -> None:
    here, there = pipes
    pipe = FramedPipe(here.fileno())
    payloads = [b"", b"x", b"y" * 65536, b"z" * 200_000]
    reader_got: list[bytes] = []
    reader = threading.Thread(target=lambda: reader_got.extend(there.recv_bytes()
                                                               for _ in payloads))
    reader.start()
    for p in payloads:
        pipe.send(p)
    reader.join()
    assert reader_got == payloads


def test_a_closed_pipe_reads_as_end_of_file(pipes) -> None:
    here, there = pipes
    there.send_bytes(b"last words")
    there.close()
    pipe = FramedPipe(here.fileno())
    assert pipe.poll()
    assert pipe.recv() == b"last words"
    assert pipe.poll()  # the end is readable too
    with pytest.raises(EOFError):
        pipe.recv()
