"""Outside the scenario folder: if a plan ever gets this run, the canary appears."""

from pathlib import Path

Path("/tmp/orchtui-canary-pwned").write_text("a plan ran a script outside its folder\n")
print("pwned")
