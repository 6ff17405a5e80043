"""Scenario YAML (DESIGN §8): every key, its defaults, and every error naming the key and its line
(and column); plan errors are placed in the YAML file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchtui.errors import PlanError, ScenarioError, ScenarioPlanError
from orchtui.plan.model import Lit
from orchtui.scenario import find_scenario, load_scenario, plan_only_scenario
from orchtui.scenario.loader import MAX_YAML_DEPTH
from orchtui.scenario.model import DEFAULT_COST, DEFAULT_OVERSUBSCRIPTION_PENALTY
from orchtui.scenario.yaml_depth import find_too_deep

HERE = Path(__file__).parent
PLANS = HERE / "plans"
BAD = HERE / "scenarios_bad"

MINIMAL = "functions:\n  - name: f\n    kind: inout\n"


def write(tmp_path: Path, text: str | bytes, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def load_error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert "\n" not in str(err)
    return err


# -- good scenarios --------------------------------------------------------------------------------

def test_full_scenario_fig6():
    s = load_scenario(PLANS / "fig6.yaml")
    assert s.name == "parallelqa-83"
    assert s.description.startswith("ParallelQA #83")
    assert s.query.startswith("If Texas and Florida were to merge") and "\n" not in s.query
    assert s.processors == 4 and s.policy == "llmorch"
    assert [(f.name, f.kind, f.cost, f.timeout) for f in s.functions] == [
        ("search", "inout", 0.5, None), ("math", "compute", 2.0, 30.0)]
    assert s.kinds == {"search": "inout", "math": "compute"}
    assert s.plan is not None and len(s.plan) == 13 and s.plan.dialect == "llmorch"
    assert s.plan_text.startswith('s1: search("Texas")\n')
    assert s.costs == {"s13": 0.25}
    assert s.cost("s13") == 0.25 and s.cost("s1") == 0.5 and s.cost("s3") == 2.0
    assert s.llm_turn == 1.5 and s.oversubscription_penalty == 0.05
    assert s.faults == {"s3": "can't extract the population of Florida"}
    assert s.recorded == {"repair": 's2: search("Florida", k=1000)',
                          "replies": ["first", "second"], "by_call": {"s3": 'math("x")'}}
    assert s.path == (PLANS / "fig6.yaml").resolve()
    assert (s.plan_line, s.plan_col) == (18, 2)  # plan line 1 is file line 19, indented by 2


def test_llmcompiler_plan_with_thoughts_and_integer_cost_keys():
    s = load_scenario(PLANS / "seo.yaml")
    assert s.plan is not None and s.plan.ids == ("1", "2", "3", "4", "5")
    assert s.plan["1"].thought == "search first, and ask for an example meanwhile."
    assert s.plan["1"].kwargs == (("query", Lit("https://www.openai.com/")),)
    assert s.costs == {"1": 0.5, "3": 4.0}


def test_defaults(tmp_path):
    s = load_scenario(write(tmp_path, MINIMAL, "my-scenario.yaml"))
    assert s.name == "my-scenario" and s.description == "" and s.query == ""
    assert s.processors == 2 and s.policy == "llmorch"
    assert s.plan is None and s.plan_text == ""
    assert s.costs == {} and s.faults == {} and s.recorded == {}
    assert s.llm_turn == 0.0 and s.oversubscription_penalty == DEFAULT_OVERSUBSCRIPTION_PENALTY
    f = s.functions[0]
    assert (f.description, f.impl, f.cost, f.timeout) == ("", None, DEFAULT_COST, None)
    assert f.retries == 1  # a call whose Dask worker is lost mid-call runs once more


def test_retries_per_function(tmp_path):
    text = ("functions:\n  - {name: f, kind: compute, retries: 0}\n"
            "  - {name: g, kind: compute, retries: 3}\n")
    s = load_scenario(write(tmp_path, text))
    assert [f.retries for f in s.functions] == [0, 3]


def test_every_policy_is_accepted(tmp_path):
    for policy in ("react", "parallelfc", "llmcompiler", "llmorch", "critical-path"):
        assert load_scenario(write(tmp_path, MINIMAL + f"policy: {policy}\n")).policy == policy


def test_impl_next_to_the_yaml_and_module_impls(tmp_path):
    (tmp_path / "tool.py").write_text("def run():\n    return 1\n")
    text = ("functions:\n"
            "  - {name: a, kind: compute, impl: tool.py:run}\n"
            "  - {name: b, kind: inout, impl: 'os.path:join'}\n")
    s = load_scenario(write(tmp_path, text))
    assert [f.impl for f in s.functions] == ["tool.py:run", "os.path:join"]


def test_byte_order_mark_and_crlf(tmp_path):
    text = MINIMAL + "plan: |\n  s1: f()\n  s2: f(s1)\n"
    s = load_scenario(write(tmp_path, "\ufeff" + text.replace("\n", "\r\n")))
    assert s.plan is not None and s.plan.ids == ("s1", "s2")
    err = load_error(write(tmp_path, (MINIMAL + "plan: |\n  s1: f(s9)\n").replace("\n", "\r\n")))
    assert (err.line, err.col) == (5, 9)


def test_recorded_values(tmp_path):
    text = MINIMAL + "recorded:\n  a: 12\n  b: ~\n  c: [x, [y, z]]\n  d: {k: v}\n"
    s = load_scenario(write(tmp_path, text))
    assert s.recorded == {"a": "12", "b": "", "c": ["x", ["y", "z"]], "d": {"k": "v"}}


def test_shared_aliases_are_fine(tmp_path):
    text = MINIMAL + "recorded:\n  a: &x [p, q]\n  b: *x\n"
    assert load_scenario(write(tmp_path, text)).recorded == {"a": ["p", "q"], "b": ["p", "q"]}


# -- bad scenarios: each names its key, line and column --------------------------------------------

EXPECTED = {
    "control_character": (6, 9, "invalid YAML: the character U+0001 is not"),
    "costs_list": (7, 8, "costs must be a mapping of keys to values, not"),
    "costs_nan": (8, 7, "costs.s1: expected a number, not the number .nan"),
    "costs_negative": (8, 7, "costs.s1: must be ≥ 0, got -0.5"),
    "costs_text": (8, 7, "costs.s1: expected a number, not text 'fast'"),
    "costs_unknown_call": (8, 3, "costs: s9 is not a call of the plan"),
    "description_list": (7, 3, "description: expected text, not a list"),
    "duplicate_key": (7, 1, "the scenario: duplicate key 'name'"),
    "empty": (1, 1, "the scenario file is empty"),
    "faults_list_value": (8, 7, "faults.s1: expected text, not a list"),
    "faults_unknown_call": (8, 3, "faults: s2 is not a call of the plan"),
    "function_bad_impl": (4, 11, "f.impl: expected 'module:function' or"),
    "function_bad_kind": (3, 11, "f.kind: must be inout or compute, got 'io'"),
    "function_bad_name": (2, 11, "functions[0].name: 'my-func' is not a valid name"),
    "function_cost_huge_int": (4, 11, "f.cost: must be finite"),
    "function_cost_inf": (4, 11, "f.cost: must be finite"),
    "function_cost_text": (4, 11, "f.cost: expected a number, not text 'slow'"),
    "function_cost_too_many_digits": (4, 11, "f.cost: '999999999999999999999999999999' is not"),
    "function_description_list": (4, 18, "f.description: expected text, not a list"),
    "function_impl_missing_file": (4, 11, "f.impl: file nowhere.py not found next to the"),
    "function_missing_kind": (2, 5, "functions[0]: missing key 'kind'"),
    "function_name_number": (2, 11, "functions[0].name: expected text, not the"),
    "function_negative_cost": (4, 11, "f.cost: must be ≥ 0, got -1"),
    "function_not_mapping": (2, 5, "functions[0] must be a mapping of keys to"),
    "function_retries_float": (4, 14, "f.retries: expected a whole number, not the"),
    "function_retries_huge": (4, 14, "f.retries: must be ≤ 10, got 11"),
    "function_retries_negative": (4, 14, "f.retries: must be ≥ 0, got -1"),
    "function_timeout_zero": (4, 14, "f.timeout: must be > 0"),
    "function_twice": (3, 12, "functions[1].name: 'f' is declared twice"),
    "function_unknown_key": (4, 5, "unknown key 'speed' in functions[0] (allowed:"),
    "functions_empty": (1, 12, "functions: the list is empty"),
    "functions_mapping": (1, 12, "functions: expected a list, not a mapping"),
    "key_not_scalar": (6, 3, "the scenario: keys must be plain names"),
    "list_top": (1, 1, "the scenario must be a mapping of keys to"),
    "llm_turn_negative": (6, 11, "llm_turn: must be ≥ 0, got -1"),
    "llm_turn_text": (6, 11, "llm_turn: expected a number, not text 'soon'"),
    "malformed": (2, 6, "invalid YAML: "),  # the rest is PyYAML's wording: not asserted
    "missing_functions": (1, 1, "missing key 'functions': the functions the plan"),
    "name_number": (6, 7, "name: expected text, not the number 12"),
    "penalty_list": (6, 27, "oversubscription_penalty: expected a single"),
    "penalty_negative": (6, 27, "oversubscription_penalty: must be ≥ 0, got -0.1"),
    "plan_cycle_explicit_indent": (7, 13, "plan: cycle: s1 -> s2 -> s1"),
    "plan_duplicate_keep_chomp": (8, 3, "plan: duplicate id s1 (first defined on line 1)"),
    "plan_empty": (6, 8, "plan: the plan has no function calls"),
    "plan_inline_double_quoted": (6, 14, "plan: s1 refers to undefined id s5"),
    "plan_inline_single_quoted": (6, 14, "plan: syntax error: "),  # then Python's wording
    "plan_list": (7, 3, "plan: expected text, not a list"),
    "plan_no_calls": (7, 3, "plan: the plan has no function calls"),
    "plan_nul_escape": (6, 16, "plan: the plan contains a NUL byte"),
    "plan_number": (6, 7, "plan: expected text, not the number 12"),
    "plan_prose_numbered": (8, 3, "plan: the plan has no function calls"),
    "plan_refused_code": (7, 9, "plan: a function call inside an argument is not"),
    "plan_syntax_block": (8, 9, "plan: syntax error: "),
    "plan_undefined_ref_indented_block": (10, 15, "plan: s2 refers to undefined id s9"),
    "plan_unknown_function_block": (8, 8, "plan: unknown function 'h' (available: f, g)"),
    "plan_unterminated_string": (7, 9, "plan: syntax error: unterminated string"),
    "policy_number": (6, 9, "policy: expected text, not the number 3"),
    "policy_unknown": (6, 9, "policy: unknown policy 'fastest' (one of react,"),
    "processors_bad_int_tag": (6, 13, "processors: 'two' is not a valid int"),
    "processors_bool": (6, 13, "processors: expected a whole number, not true"),
    "processors_float": (6, 13, "processors: expected a whole number, not the"),
    "processors_huge": (6, 13, "processors: must be ≤ 1024, got"),
    "processors_text": (6, 13, "processors: expected a whole number, not text"),
    "processors_zero": (6, 13, "processors: must be ≥ 1, got 0"),
    "query_mapping": (6, 8, "query: expected text, not a mapping"),
    "query_null": (6, 7, "query: expected text, not nothing (null)"),
    "recorded_bomb": (7, 6, "recorded.d: too many values (over 10000)"),
    "recorded_list": (6, 11, "recorded must be a mapping of keys to values,"),
    "recorded_recursive": (7, 6, "recorded.a: an alias refers to a value that"),
    "scalar_top": (1, 1, "the scenario must be a mapping of keys to"),
    "tab_indent": (3, 1, "invalid YAML: "),
    "two_documents": (6, 1, "invalid YAML: "),
    "unknown_key": (7, 1, "unknown key 'plna' in scenario (allowed: costs,"),
}


def test_every_bad_file_has_an_expectation():
    assert sorted(p.stem for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_scenario(name):
    line, col, message = EXPECTED[name]
    path = BAD / f"{name}.yaml"
    err = load_error(path)
    assert err.message.startswith(message), err
    assert (err.line, err.col) == (line, col), err
    assert str(err) == f"{path}:{line}:{col}: {err.message}"
    if name.startswith("plan_") and name not in ("plan_list", "plan_number"):
        assert isinstance(err, ScenarioPlanError) and isinstance(err, PlanError)


def test_plan_errors_are_placed_in_the_yaml_file(tmp_path):
    # (YAML text, the marker the error must point at)
    cases = [
        (MINIMAL + "plan: |\n  s1: f()\n  s2: f(\n      s1, s7)\n", "s7"),
        (MINIMAL + "plan: |-\n    s1: f()\n\n    s2: f('''\n    {s1} {s3}''')\n", "{s3}"),
        (MINIMAL + "plan: >\n  s1: f(s8)\n", "s8"),
        (MINIMAL + "plan: \"s1: f(s8)\"\n", "s8"),
        (MINIMAL + "plan: 's1: f(s8)'\n", "s8"),
        (MINIMAL + "plan:\n  's1: f(s8)'\n", "s8"),
        ("plan: |2\n   s1: f(s8)\n" + MINIMAL, "s8"),
        (MINIMAL + "plan: |\n  s1: f()\n  s1: f()\n", "s1: f()\n  s1"),
    ]
    for text, marker in cases:
        err = load_error(write(tmp_path, text))
        at = text.index(marker) + (len(marker) - 2 if marker.endswith("s1") else 0)
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        assert (err.line, err.col) == (line, col), (text, str(err))


def test_undeclared_function_in_the_plan(tmp_path):
    err = load_error(write(tmp_path, MINIMAL + "plan: |\n  s1: f()\n  s2: search(s1)\n"))
    assert "unknown function 'search' (available: f)" in err.message
    assert (err.line, err.col) == (6, 7)


def test_yaml_tags_beyond_plain_data_are_refused(tmp_path):
    cases = {
        "recorded:\n  repair: !!python/object/apply:os.system ['echo pwned']\n":
            (5, 11, "recorded.repair: the YAML tag !!python/object/apply:os.system"),
        "recorded:\n  a: [x, !custom y]\n": (5, 10, "recorded.a[1]: the YAML tag !custom"),
        "description: !!binary aGVsbG8=\n": (4, 14, "description: the YAML tag !!binary"),
        "faults: !!set {a}\n": (4, 9, "faults: the YAML tag !!set"),
    }
    for text, (line, col, message) in cases.items():
        err = load_error(write(tmp_path, MINIMAL + text))
        assert err.message.startswith(message) and (err.line, err.col) == (line, col), err


def test_unpaired_surrogates_are_refused(tmp_path):
    err = load_error(write(tmp_path, 'name: "\\ud800 x"\n' + MINIMAL))
    assert err.message.startswith("name: not valid Unicode") and (err.line, err.col) == (1, 7)
    err = load_error(write(tmp_path, MINIMAL + 'recorded:\n  "\\udc00": x\n'))
    assert "not valid Unicode" in err.message and err.line == 5
    str(err).encode("utf-8")  # the message itself prints


# -- files that are not scenarios ------------------------------------------------------------------

def test_unreadable_inputs(tmp_path):
    err = load_error(tmp_path / "missing.yaml")
    assert err.message.startswith("cannot read") and err.source.endswith("missing.yaml")
    err = load_error(tmp_path)  # a directory
    assert err.message.startswith("cannot read")


def test_binary_and_non_utf8(tmp_path):
    err = load_error(write(tmp_path, b"name: a\nquery: \x00\x01\n"))
    assert "NUL" in err.message and err.line == 2
    err = load_error(write(tmp_path, b"name: a\n\nquery: caf\xe9\n"))
    assert err.message == "not UTF-8 text" and err.line == 3


def test_files_over_16_mb_are_refused_without_reading_them(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as f:
        f.truncate(16 * 1024 * 1024 + 1)
    err = load_error(path)
    assert "too large" in err.message


def test_a_16_mb_file_is_read(tmp_path):
    text = MINIMAL + "description: " + "x" * (16 * 1024 * 1024 - len(MINIMAL) - 20) + "\n"
    assert len(text.encode()) <= 16 * 1024 * 1024
    assert len(load_scenario(write(tmp_path, text)).description) > 16_000_000


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_file_is_refused():
    err = load_error(Path("/dev/zero"))
    assert "not a regular file" in err.message


@pytest.mark.parametrize("depth", [300, 5_000, 2_000_000])
def test_deeply_nested_yaml(tmp_path, depth):
    # libyaml's composer recurses in C: two million levels would crash the process. The depth is
    # measured by our own lexer before PyYAML sees the text, so message and place are ours
    # whatever PyYAML release is installed: depth 1 is the top mapping, 2 `recorded`'s, 3 the
    # first `[` (column 6), so the 199th `[` is the first past the limit of 200.
    err = load_error(write(tmp_path, MINIMAL + "recorded:\n  a: " + "[" * depth + "]" * depth))
    assert err.message == f"nested too deeply (over {MAX_YAML_DEPTH} levels)"
    assert (err.line, err.col) == (5, 6 + 198)


def test_deep_block_nesting(tmp_path):
    text = MINIMAL + "recorded:\n" + "".join(" " * (k + 1) + f"k{k}:\n" for k in range(400))
    err = load_error(write(tmp_path, text))
    # k0 is at depth 2 on line 5, so k199 (line 204, column 201) is at depth 201
    assert err.message == f"nested too deeply (over {MAX_YAML_DEPTH} levels)"
    assert (err.line, err.col) == (204, 201)


def test_deep_block_sequences_on_one_line(tmp_path):
    err = load_error(write(tmp_path, MINIMAL + "recorded:\n  a:\n    " + "- " * 300 + "x\n"))
    # `a`'s sequence is depth 3 at column 5; each further `- ` opens one more
    assert (err.line, err.col) == (6, 5 + 2 * 198)


def test_the_depth_guard_runs_before_pyyaml(tmp_path, monkeypatch):
    """Which PyYAML is installed cannot change the refusal: no YAML function is called."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("PyYAML saw a text the depth guard should have refused")

    for name in ("parse", "compose", "safe_load", "load"):
        monkeypatch.setattr(yaml, name, refuse)
    err = load_error(write(tmp_path, MINIMAL + "recorded:\n  a: " + "{a: " * 5_000))
    assert err.message.startswith("nested too deeply") and err.line == 5


def _libyaml_depth(text: str) -> int:
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return deepest


_SCALARS = st.sampled_from(["a", "b: c", "x - y", "it's", "#h", "[q]", "{z}", 'say "hi"',
                            "multi\nline", "- dash", "key:", "", "  pad", "ü€", 1, 2.5, None])
_TREES = st.recursive(_SCALARS, lambda kids: st.lists(kids, max_size=3)
                      | st.dictionaries(st.sampled_from(["a", "b c", "k: v", "[x]", "q'"]), kids,
                                        max_size=3), max_leaves=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=_TREES, flow=st.sampled_from([False, None, True]),
       style=st.sampled_from([None, "|", '"']), indent=st.sampled_from([2, 4]))
def test_depth_guard_measures_what_libyaml_parses(tree, flow, style, indent):
    """The lexer's depth is libyaml's, on YAML written in every style PyYAML writes."""
    if not isinstance(tree, list | dict):
        return
    text = yaml.safe_dump(tree, default_flow_style=flow, default_style=style, indent=indent,
                          allow_unicode=True)
    depth = _libyaml_depth(text)
    assert find_too_deep(text, depth) is None
    assert find_too_deep(text, depth - 1) is not None


@pytest.mark.parametrize("breaks", [("\n",), ("\r\n",), ("\r",), ("\n", "\x85"),
                                    ("\n", "\u2028", "\u2029"), ("\n", "\r\n")])
def test_depth_guard_counts_lines_as_yaml_does(breaks: tuple[str, ...]) -> None:
    """The guard's LINE is the loader's whatever breaks the lines (the guard cuts text broken by
    \n alone another, quicker way)."""
    lines = ["name: x", "plan: |", "  s1: f()", "recorded:", "  a: " + "[" * 30, "é"]
    text = "".join(line + breaks[n % len(breaks)] for n, line in enumerate(lines))
    found = find_too_deep(text, 20)
    assert found is not None and (found.line, found.column) == (5, 24)
    if breaks != ("\n",):  # one more non-ASCII line: the quick check cannot decide alone
        assert find_too_deep("é\n" + text, 20).line == 6  # type: ignore[union-attr]


# -- plain plan text and bundled names -------------------------------------------------------------

def test_plan_only_scenario():
    text = (PLANS / "fig6.txt").read_text()
    s = plan_only_scenario(text, PLANS / "fig6.txt", {"math"})
    assert s.name == "fig6" and s.kinds == {"search": "inout", "math": "compute"}
    assert s.plan is not None and len(s.plan) == 13
    with pytest.raises(PlanError) as info:
        plan_only_scenario("s1: f(s2)", Path("x.txt"), set())
    assert str(info.value) == "x.txt:1:7: s1 refers to undefined id s2"


def test_find_scenario_by_bare_name(tmp_path, monkeypatch):
    write(tmp_path, MINIMAL, "demo.yaml")
    monkeypatch.setenv("ORCHTUI_SCENARIOS", str(tmp_path))
    assert find_scenario("demo") == tmp_path / "demo.yaml"
    assert find_scenario("demo.yaml") == tmp_path / "demo.yaml"
    with pytest.raises(ScenarioError, match="no such scenario file"):
        find_scenario("no-such-scenario")
    with pytest.raises(ScenarioError):
        find_scenario("bad\x00name")


# -- fuzzing: only ScenarioError or PlanError escapes ----------------------------------------------

def _load_only_user_errors(path: Path) -> None:
    try:
        load_scenario(path)
    except ScenarioError as err:
        assert "\n" not in str(err)
    except PlanError as err:  # pragma: no cover - the loader wraps these
        assert "\n" not in str(err)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_fuzz_bytes(tmp_path, data):
    _load_only_user_errors(write(tmp_path, data))


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=15)
    | st.sampled_from(["s1: f()", "s1: f(s2)", "1. f()\n2. f($1)", "inout", "compute", "llmorch",
                       "tool.py:run"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["name", "kind", "cost", "timeout", "impl", "description", "s1", "1"])
        | st.text(max_size=5), inner, max_size=4),
    max_leaves=10,
)
scenario_dicts = st.dictionaries(
    st.sampled_from(["name", "description", "query", "processors", "policy", "functions", "plan",
                     "costs", "llm_turn", "oversubscription_penalty", "recorded", "faults",
                     "other"]),
    yaml_values,
    max_size=8,
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario_dicts, st.booleans())
def test_fuzz_scenario_shaped_yaml(tmp_path, data, with_functions):
    if with_functions:
        data["functions"] = [{"name": "f", "kind": "inout"}, {"name": "g", "kind": "compute"}]
    _load_only_user_errors(write(tmp_path, yaml.safe_dump(data, allow_unicode=True)))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_fuzz_plan_inside_a_scenario(tmp_path, plan):
    text = MINIMAL + "  - name: g\n    kind: compute\nplan: " + yaml.safe_dump(plan)
    _load_only_user_errors(write(tmp_path, text))
