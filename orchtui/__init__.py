"""orchtui: run an LLM agent's plan of function calls in parallel, and watch it happen."""

__version__ = "0.1.0"
