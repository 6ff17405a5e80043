from orchtui.cli.main import entry

entry()
