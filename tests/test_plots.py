"""Figures for slides: `orchtui sweep --plot` and `orchtui scenario --headless --gantt`."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from orchtui.cli.main import main

pytest.importorskip("matplotlib", reason="matplotlib is the plots extra: pip install "
                    "'orchtui[plots]' (the test extra brings it, so CI runs these)")


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()  # a well-formed SVG
    assert root.tag.endswith("svg")
    return " ".join(t for t in root.itertext() if t.strip())


def test_sweep_plot_draws_every_policy_and_the_bound(tmp_path: Path) -> None:
    out = tmp_path / "speedup.svg"
    assert main(["sweep", "kitti_stereo", "--processors", "1-4", "--plot", str(out)]) == 0
    text = svg_text(out)
    for name in ("react", "parallelfc", "llmcompiler", "llmorch", "critical-path", "bound",
                 "processors P"):
        assert name in text


def test_gantt_marks_ranks_and_exclusive_pairs(tmp_path: Path) -> None:
    out = tmp_path / "run.svg"
    code = main(["scenario", "kitti_stereo", "--headless", "--sim", "--gantt", str(out)])
    assert code == 0
    text = svg_text(out)
    for name in ("s1", "s8", "s11", "rank 1", "rank 3", "exclusive (R2)", "cpu 0", "cpu 1",
                 "makespan 7.75 s"):
        assert name in text


def test_same_run_same_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    for path in (a, b):
        main(["scenario", "seo_audit", "--headless", "--sim", "--gantt", str(path)])
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_png_and_pdf(tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = tmp_path / f"run{suffix}"
    assert main(["scenario", "seo_audit", "--headless", "--sim", "--gantt", str(out)]) == 0
    assert out.read_bytes().startswith(magic)


def test_a_failed_call_is_drawn(tmp_path: Path) -> None:
    here = Path(__file__).parent / "tui_scenarios" / "seo_fault.yaml"
    out = tmp_path / "fail.svg"
    main(["scenario", str(here), "--headless", "--sim", "--gantt", str(out)])
    assert "failed" in svg_text(out)


@pytest.mark.parametrize("argv, message", [
    (["sweep", "seo_audit", "--plot", "speedup.txt"],
     "--plot speedup.txt: the file must end in .svg, .png or .pdf"),
    (["scenario", "seo_audit", "--gantt", "run.svg"], "--gantt goes with --headless"),
    (["scenario", "seo_audit", "--headless", "--sim", "--gantt", "run.jpg"],
     "--gantt run.jpg: the file must end in .svg, .png or .pdf"),
])
def test_bad_figure_options(argv: list[str], message: str, capsys, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"orchtui: {message}"]


def test_without_matplotlib_one_line_says_how_to_install(capsys, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    out = tmp_path / "s.svg"
    assert main(["sweep", "seo_audit", "--plot", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["orchtui: --plot needs matplotlib, which is not installed: "
                   "pip install 'orchtui[plots]'"]
    assert not out.exists()


def test_gantt_of_a_recorded_trace(tmp_path: Path) -> None:
    trace, out = tmp_path / "t.jsonl", tmp_path / "replayed.svg"
    assert main(["scenario", "kitti_stereo", "--headless", "--sim", "--trace", str(trace)]) == 0
    assert main(["replay", str(trace), "--gantt", str(out)]) == 0
    direct = tmp_path / "direct.svg"
    main(["scenario", "kitti_stereo", "--headless", "--sim", "--gantt", str(direct)])
    assert out.read_bytes() == direct.read_bytes()  # the same run, the same figure


def test_a_replayed_trace_s_gantt_says_where_it_went(tmp_path: Path, capsys) -> None:
    """As the headless run's --gantt does: one line on stderr."""
    trace, out = tmp_path / "t.jsonl", tmp_path / "replayed.svg"
    assert main(["scenario", "seo_audit", "--headless", "--sim", "--trace", str(trace)]) == 0
    capsys.readouterr()
    assert main(["replay", str(trace), "--gantt", str(out)]) == 0
    assert capsys.readouterr().err == f"Gantt chart written: {out}\n"
