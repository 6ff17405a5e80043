import sys

from orchtui.cli.main import main

sys.exit(main())
