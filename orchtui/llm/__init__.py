"""The model's side: clients (`backend.ChatBackend`: `openai_backend.OpenAIBackend` or
`recorded.RecordedBackend`), prompts, query translation with compile-time recovery, the runtime
repairer, streamed plans read as they are written (`streaming`), and the live turns of the
baselines (`agents`). No run loop: runs are driven by orchtui.engine.runner alone, which these
feed (a PlanStream, a TurnTaker, a Repairer).

Kept free of imports here: the engine and the workers import pieces of it, and `openai` takes a
second to import, so only the modules that talk to a model load it, when they do.
"""
