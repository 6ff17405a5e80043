"""The screens pushed over the run: compare, sweep, help."""
