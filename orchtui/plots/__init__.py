"""Figures for slides and papers (matplotlib, an optional extra: `pip install 'orchtui[plots]'`):
speedup vs processors from a sweep, and a run's lanes as a Gantt chart."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from orchtui.errors import OrchError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = (".svg", ".png", ".pdf")


def check_path(path: str, flag: str) -> Path:
    """The figure's path, if its suffix names a format we write; else a one-line error."""
    out = Path(path)
    if out.suffix.lower() not in FORMATS:
        raise OrchError(f"{flag} {path}: the file must end in .svg, .png or .pdf")
    return out


def require_matplotlib(flag: str) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise OrchError(f"{flag} needs matplotlib, which is not installed: "
                        "pip install 'orchtui[plots]'") from None


def save(fig: Figure, path: Path) -> None:
    """Write the figure; the same run gives the same file (no date, fixed SVG ids)."""
    import matplotlib

    suffix = path.suffix.lower()
    metadata: dict[str, object] = {}
    if suffix == ".svg":
        metadata = {"Date": None}
    elif suffix == ".pdf":
        metadata = {"CreationDate": None, "ModDate": None}
    with matplotlib.rc_context({"svg.hashsalt": "orchtui", "svg.fonttype": "none"}):
        try:
            fig.savefig(path, metadata=metadata, bbox_inches="tight")
        except OSError as err:
            raise OrchError(f"{path}: cannot write the figure: {err.strerror or err}") from None
