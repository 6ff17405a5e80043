"""Playback of a run's events, without a screen: the timeline of received events with a cursor
(the state at event k, step, back, seek by time), the clock that paces it, and the trace it
writes. The TUI drives one of these; nothing here imports Textual."""
