"""Real-work functions for orchtui's bundled scenarios.

Each module here is named in a scenario YAML as ``lib/<module>.py:<function>``. The modules are
importable both as the package ``lib`` (with ``scenarios/`` on ``sys.path``) and by file path, so
they import their siblings through :func:`lib.common.sibling` rather than relative imports.
"""
