"""Where the screen is in a run, and how it moves: play, step, step back, seek to a time, go
back to live, at the user's pace.

The player moves the timeline's cursor; the screen shows the state at the cursor. Moving forward
hands back the events passed (folded onto what is shown); moving back hands back the position to
rebuild from (the fold of the events before it). No Textual: the app asks, the player answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from orchtui.engine import events as ev
from orchtui.playback.clock import PlaybackClock
from orchtui.playback.timeline import Timeline


@dataclass(frozen=True)
class Move:
    """What the screen must do: fold `events` onto what it shows, or, when `rewound`, show the
    fold of `events` (the first k events) from scratch."""

    events: list[ev.Event] = field(default_factory=list)
    rewound: bool = False


class Player:
    """The cursor's rules.

    `paced`: the source carries virtual time (the sim, a replay): it is played back by the clock
    and can be rewound and played again. Otherwise (a real run) events come when they happen;
    the screen can look back while the run goes on, and returns to live.
    `fetch()`: ask the source for at least one more event (it may come later, on a thread);
    `ended()`: the source will give no more."""

    def __init__(self, timeline: Timeline, clock: PlaybackClock, *, paced: bool, playing: bool,
                 fetch: Callable[[], None], ended: Callable[[], bool]) -> None:
        self.timeline = timeline
        self.clock = clock
        self.paced = paced
        self.playing = playing
        self.fetch = fetch
        self.ended = ended
        self.steps_wanted = 0
        self.live_k = 0  # the furthest the cursor got by playing or stepping
        self.looking_back = False  # a real run goes on while the screen shows the past
        self.scrub_t: float | None = None  # the time the user put the cursor at

    # -- state ----------------------------------------------------------------------------------
    @property
    def stepped(self) -> bool:
        """A real run shown at a pace: step by step, the engine held between steps."""
        return not self.paced and self.clock.pace is not None

    @property
    def before_graph(self) -> bool:
        t = self.timeline
        return not t.floor or t.cursor < t.floor

    def caught_up(self) -> bool:
        """The cursor is where playing would have it: the newest event in a real run; in the
        sim, anywhere the user has not put it by time."""
        return self.scrub_t is None if self.paced else self.timeline.at_end

    def time(self) -> float:
        """The run time of the state shown, when it is not the clock's."""
        if self.scrub_t is not None:
            return self.scrub_t
        return self.timeline.time_at(self.timeline.cursor)

    # -- playing --------------------------------------------------------------------------------
    def release(self, dt: float, allowance: int, engine_busy: bool) -> list[ev.Event]:
        """`dt` wall seconds of play went by: the events the cursor passes, at most
        `allowance` of them. `engine_busy`: the sim is still computing flat out (the screen
        then waits, rather than take the interpreter from it)."""
        timeline = self.timeline
        if self.playing and self.stepped:
            self.steps_wanted += self.clock.steps_due(dt)
        if not self.playing or self.stepped or (self.looking_back and not self.paced):
            out = self.preamble() if self.before_graph else []
            return out + self.service_steps()
        if self.paced and engine_busy and timeline.pending == 0:
            return []
        count = 0
        if self.paced and not self.clock.unpaced and self.clock.rate is None and self.before_graph:
            # The pace comes from the graph, so virtual time cannot move before it is shown: a
            # streamed plan's first calls come after its turn has started (t > 0), and the run
            # waited for them forever. Shown at once, as stepping shows them.
            out = self.preamble()
            if out:
                self.clock.vclock = max(self.clock.vclock, out[-1].t)
            return out
        if self.paced and not self.clock.unpaced:
            # virtual time moves only while there is something to show and a pace is known
            # (from the graph): a run never outruns its events
            if timeline.pending:
                self.clock.tick(dt)
            events, cursor = timeline.events, timeline.cursor
            while count < allowance and cursor + count < len(events) \
                    and self.clock.due(events[cursor + count].t):
                count += 1
        else:
            count = min(allowance, timeline.pending)
        return self._advance(count)

    def toggle(self) -> Move:
        """Play or pause. Playing a sim from a past state plays on from there; a real run
        cannot be replayed, so playing while looking back goes live."""
        self.playing = not self.playing
        self.steps_wanted = 0
        move = Move()
        if self.playing:
            self.scrub_t = None
            if self.looking_back and not self.paced:
                move = self.live()
            self.looking_back = False
            if self.clock.rate is not None:
                self.clock.vclock = self.timeline.time_at(self.timeline.cursor)
        return move

    def step(self) -> list[ev.Event]:
        """One step forward (pausing a sim, or a real run shown live)."""
        if self.playing and not self.stepped:
            self.playing = False
        self.scrub_t = None
        self.steps_wanted += 1
        out = self.preamble() if self.before_graph else []
        return out + self.service_steps()

    def preamble(self) -> list[ev.Event]:
        """Everything up to the graph at once: the first step is then the first decision, with
        the graph on screen."""
        out: list[ev.Event] = []
        while True:
            if not self.timeline.pending:
                self.fetch()
                if not self.timeline.pending:
                    return out
            e = self._advance(1)[0]
            out.append(e)
            if isinstance(e, ev.GraphReady):
                return out

    def service_steps(self) -> list[ev.Event]:
        out: list[ev.Event] = []
        timeline = self.timeline
        while self.steps_wanted > 0:
            if not timeline.pending:
                self.fetch()
                if not timeline.pending:
                    if self.ended():
                        self.steps_wanted = 0
                    return out
            e = self._advance(1)[0]
            out.append(e)
            self.clock.vclock = max(self.clock.vclock, e.t)
            if timeline.is_step(e):
                self.steps_wanted -= 1
        return out

    def _advance(self, count: int) -> list[ev.Event]:
        out = self.timeline.advance(count)
        self.live_k = max(self.live_k, self.timeline.cursor)
        if self.caught_up():
            self.looking_back = False
        return out

    # -- looking back ---------------------------------------------------------------------------
    def hold(self) -> None:
        """Stop playing a sim where the user looks; a real run goes on in the background."""
        if self.paced and self.playing:
            self.playing = False
            self.steps_wanted = 0

    def back(self) -> Move | None:
        """Undo one step; None when there is nothing to undo."""
        target = self.timeline.back_target()
        if target is None:
            return None
        self.hold()
        self.scrub_t = None
        return self.go_to(target)

    def seek_time(self, t: float) -> Move | None:
        """The state at run time t: every event at or before t, none after."""
        timeline = self.timeline
        if not timeline.events or self.before_graph:
            return None
        self.hold()
        t = max(0.0, min(t, timeline.time_at(len(timeline.events))))
        return self.go_to(max(timeline.index_at(t), timeline.floor), at=t)

    def scrub(self, direction: int, now: float) -> Move | None:
        """The previous or next moment something happened, from `now`; past the newest, live."""
        t = self.timeline.neighbour_time(now, direction)
        if t is None:
            return self.live() if direction > 0 else None
        return self.seek_time(t)

    def live(self) -> Move:
        """Back to the newest state: the run as it stands."""
        timeline = self.timeline
        self.scrub_t = None
        target = len(timeline.events) if not self.paced else self.live_k
        move = self.go_to(max(target, timeline.cursor))
        self.looking_back = False
        return move

    def go_to(self, k: int, at: float | None = None) -> Move:
        """Put the cursor after the first k received events (at run time `at`, when the user
        put it at a time between events)."""
        timeline = self.timeline
        k = max(min(k, len(timeline.events)), min(timeline.floor, timeline.cursor))
        if k >= timeline.cursor:
            move = Move(timeline.advance(k - timeline.cursor))
            self.live_k = max(self.live_k, k)  # what the screen has shown, live is at least
        else:
            timeline.seek(k)
            move = Move(timeline.events[:k], rewound=True)
        self.scrub_t = at
        # Stepping back in the sim rewinds the playback: n and space go on from there. A real
        # run cannot be rewound: the screen looks back while the run goes on.
        self.looking_back = at is not None or (not self.paced and not timeline.at_end)
        self.clock.vclock = at if at is not None else timeline.time_at(k)
        return move


