"""Real-work functions for orchtui's bundled scenarios.

A scenario YAML placed in ``scenarios/`` names them as ``lib/<module>.py:<function>``. The
modules import fine both as the package ``lib`` (with ``scenarios/`` on ``sys.path``) and when
loaded by file path: in that case each appends ``scenarios/`` to ``sys.path`` (once) so that
``from lib.common import ...`` resolves. Module imports are light (stdlib, numpy).
"""
