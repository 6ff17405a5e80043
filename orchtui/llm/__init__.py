"""The LLM in the loop: query translation with compile-time recovery, the runtime repairer,
recorded replies, streaming dispatch and the live baselines, all through one chat backend
(`backend.ChatBackend`: `openai_backend.OpenAIBackend` or `recorded.RecordedBackend`).

Kept free of imports here: the engine and the workers import pieces of it, and `openai` takes a
second to import, so only the modules that talk to a model load it, when they do.
"""
