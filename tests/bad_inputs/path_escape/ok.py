"""Inside the scenario folder: allowed. Prints its arguments as it got them (no shell)."""

import sys

print(repr(sys.argv[1:]))
