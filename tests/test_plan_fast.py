"""The plan parser's fast reading of common lines (orchtui.plan.fast) against its full reading
(Python's `ast`, orchtui.plan.parser): on any plan, both give the same calls (every field, line,
column and text included), the same warnings, or the same error at the same LINE:COL. The fast
reading only ever declines a line, so what it reads must be exactly what the full one reads."""

from __future__ import annotations

import contextlib
import random
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchtui.errors import PlanError
from orchtui.plan import fast
from orchtui.plan import parser as plan_parser
from orchtui.plan.model import Lit, Map, Ref, Seq, Template
from orchtui.plan.parser import Resume, parse_plan, parse_rest


@contextmanager
def _full_reading_only() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plan_parser._Parser, "_fast_call", lambda *args: None)
        yield


@contextmanager
def _counting_fast_lines() -> Iterator[list[int]]:
    """Counts the lines the fast reading took (its result was a call)."""
    taken = [0]
    real = plan_parser._Parser._fast_call

    def counting(*args: object) -> object:
        call = real(*args)  # type: ignore[arg-type]
        taken[0] += call is not None
        return call

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plan_parser._Parser, "_fast_call", counting)
        yield taken


def _outcome(parse: Callable[[], object]) -> tuple[object, ...]:
    try:
        plan = parse()
    except PlanError as err:
        return ("error", err.message, err.line, err.col)
    calls = tuple((c, c.line, c.col, c.text, type(c.args), [type(a) for a in c.args])
                  for c in plan.calls)  # type: ignore[attr-defined]
    warnings = tuple((w.line, w.col, w.kind, w.message)
                     for w in plan.warnings)  # type: ignore[attr-defined]
    return ("ok", plan.dialect, calls, warnings,  # type: ignore[attr-defined]
            [_typed((c.args, c.kwargs)) for c in plan.calls])  # type: ignore[attr-defined]


def _typed(value: object) -> object:
    """The value with the type of every part spelled out: Lit(1) == Lit(True) == Lit(1.0)."""
    if isinstance(value, tuple | list):
        return (type(value).__name__, [_typed(v) for v in value])
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, Lit):
        return ("Lit", _typed(value.value))
    if isinstance(value, Seq | Map | Template):
        return (type(value).__name__, _typed(value.items if not isinstance(value, Template)
                                             else value.parts))
    if isinstance(value, Ref):
        return ("Ref", value.id)
    if isinstance(value, float) and value != value:
        return ("nan",)
    return (type(value).__name__, repr(value))


def _both(text: str, **kw: object) -> tuple[tuple[object, ...], int]:
    """The outcome of the full reading, asserting the fast one's is the same; and how many
    lines the fast reading took."""
    with _counting_fast_lines() as taken:
        got = _outcome(lambda: parse_plan(text, **kw))  # type: ignore[arg-type]
    with _full_reading_only():
        expected = _outcome(lambda: parse_plan(text, **kw))  # type: ignore[arg-type]
    assert got == expected, text
    return expected, taken[0]


# -- generated plans -----------------------------------------------------------------------------

_WORDS = ["the", "Paris", "$20", "a\\nb", 'x\\"y', "it's", "“q”", "é", "日本", "<END_OF_PLAN>",
          "#", "\\d", "{", "}", "$", "\t", "=", ",", "\u2028", "\x0c", "\x1b"]
# references inside strings that name no call before the one they are in
_ODD_WORDS = ["$1", "${2}", "{s1}", "{s2}", "{s9}", "{s١}"]


class _Gen:
    """Random plans of lines the fast reading mostly takes; in some plans, a choice is now and
    then an odd one: a mistake, or a shape the fast reading leaves to the full one."""

    def __init__(self, rng: random.Random, dialect: str) -> None:
        self.rng = rng
        self.dialect = dialect
        self.odd = 0.0  # how often a choice is an odd one

    def pick(self, good: list[str], odd: list[str]) -> str:
        r = self.rng
        return r.choice(odd if odd and r.random() < self.odd else good)

    def ref(self, n: int) -> str:
        r = self.rng
        if n == 1 and r.random() >= self.odd:
            return self.number()  # no call before the first
        target = r.randint(1, max(1, n - 1))
        if r.random() < self.odd:
            target = r.choice([n, n + 1, n + 5, 0, 999])
        if self.dialect == "llmorch":
            return self.pick([f"s{target}"], [f"s0{target}", f"${target}", f"{target}"])
        return self.pick([f"${target}", f"${{{target}}}"], [f"s{target}", f"$ {target}"])

    def string(self, n: int) -> str:
        r = self.rng
        words = [self.pick([*_WORDS, self.ref(n), "{" + self.ref(n) + "}"], _ODD_WORDS)
                 for _ in range(r.randint(0, 4))]
        body = " ".join(words)
        quote = self.pick(['"', "'"], ["\u201c", "'''", 'r"', 'f"', 'b"'])
        close = {"\u201c": "\u201d", 'r"': '"', 'f"': '"', 'b"': '"'}.get(quote, quote)
        if quote in ('"', 'r"', 'f"', 'b"'):
            body = body.replace('"', "'")
        elif quote == "'":
            body = body.replace("'", '"')
        if r.random() < 0.5:
            body = body.replace("\\", "/")  # no escapes: a string the fast reading takes
        return quote + body + self.pick([close], [""])

    def number(self) -> str:
        r = self.rng
        return self.pick([str(r.randint(0, 300)), str(-r.randint(0, 10**6)), "0", "-0",
                          f"{r.random() * 100:.3f}", "1.", ".5", "-.5", "1e5", "1E-3",
                          "2.5e+10", "-0.0", "1e999", "9" * r.choice([5, 18, 30, 60])],
                         ["00", "007", "1_000", "0x1f", "1j", "1.5.2", "- 1", "+1", "--1"])

    def atom(self, n: int) -> str:
        kind = self.rng.random()
        if kind < 0.4:
            return self.ref(n)
        if kind < 0.65:
            return self.string(n)
        if kind < 0.85:
            return self.number()
        return self.pick(["True", "False", "None", "true", "false", "null", f"({self.ref(n)})"],
                         ["x", "print", "__ref__1", "lambda", "s1.x", "s1[0]", "s1 + 1",
                          "not s1", "...", "s1 if s2 else 3", "*s1", "**s1"])

    def value(self, n: int, depth: int = 0) -> str:
        r = self.rng
        if depth > 3 or r.random() < 0.7:
            return self.atom(n)
        items = [self.value(n, depth + 1) for _ in range(r.randint(0, 3))]
        kind = self.pick(["[]", "()", "{}", "{}", "()1"], ["{set}"])
        if kind == "{}":
            keys = [self.pick([self.atom(n), '"k"', "1", "(1, 2)"], ["[1]", "(1, [2])"])
                    for _ in items]
            inner = ", ".join(f"{k}: {v}" for k, v in zip(keys, items, strict=True))
            trail = self.pick(["", ","], [" ,", ",,"]) if items else self.pick([""], [","])
            return "{" + inner + trail + "}"
        if kind == "()1":
            return f"({self.value(n, depth + 1)})"
        if kind == "{set}":
            return "{" + ", ".join(items or ["1"]) + "}"
        trail = self.pick(["", ","], [",,"]) if items else self.pick([""], [","])
        return kind[0] + ", ".join(items) + trail + kind[1]

    def call(self, n: int) -> str:
        r = self.rng
        args = [self.value(n) for _ in range(r.randint(0, 4))]
        kwargs = [self.pick([name], ["if", "True", "__debug__", "\u00e9", "class"])
                  + self.pick(["=", " = "], ["=="]) + self.value(n)
                  for name in r.sample(["k", "q", "s1", "_x", "match"], r.choice([0, 0, 1, 2]))]
        if kwargs and r.random() < self.odd:
            kwargs.append(kwargs[0])  # given twice
        parts = args + kwargs
        if parts and r.random() < self.odd:
            r.shuffle(parts)
        sep = self.pick([", ", ",", " , ", "\t,"], [" ", ",,"])
        name = self.pick(["search", "math", "f", "g"],
                         ["join", "unknown", "if", "True", "a.b", "\ufb01nd", "f\u200b"])
        body = f"{name}{self.pick(['', ' ', chr(9)], [])}({sep.join(parts)}"
        body += self.pick([")"], ["", "))", ") # note", ") x", ")\f", ") <END_OF_PLAN>", ", "])
        if self.dialect == "llmorch":
            head = self.pick([f"s{n}: ", f"  s{n} :", f"s{n}:\t"],
                             [f"s{n - 1}: ", f"{n}. ", f"s{n}:: ", f"s{n}\uff1a"])
        else:
            head = self.pick([f"{n}. ", f"{n}: ", f" {n} ."], [f"{n - 1}. ", f"s{n}: ", f"{n}.5 "])
        return head + body

    def plan(self) -> str:
        r = self.rng
        self.odd = r.choice([0.0, 0.0, 0.01, 0.03, 0.1])
        lines = []
        for n in range(1, r.randint(2, 14)):
            if r.random() < 0.08:
                lines.append(self.pick(["Thought: next", "", "```"],
                                       [f"{n}. Find the answer", "Some prose.", "<END_OF_PLAN>"]))
            lines.append(self.call(n))
        if r.random() < 0.2:
            last = f"s{n + 1}: " if self.dialect == "llmorch" else f"{n + 1}. "
            lines.append(self.pick([f"{last}join()", "join()"], [f"{last}join(1)"]))
        return "\n".join(lines)


@pytest.mark.parametrize("dialect", ["llmorch", "llmcompiler"])
@pytest.mark.parametrize("strict", [False, True])
def test_generated_plans_read_the_same_fast_and_in_full(dialect: str, strict: bool) -> None:
    rng = random.Random(f"{dialect}-{strict}")
    gen = _Gen(rng, dialect)
    taken = errors = plans = 0
    for _ in range(700):
        text = gen.plan()
        functions = rng.choice([None, {"search", "math", "f", "g"}, {"f"}])
        outcome, fast_lines = _both(text, functions=functions, strict=strict)
        taken += fast_lines
        errors += outcome[0] == "error"
        plans += outcome[0] == "ok"
    # not vacuous: the fast reading took many lines, and both outcomes were common
    assert taken > 1000 and errors > 100 and plans > 100, (taken, errors, plans)


_PIECES = ["s1", "s2", "s3", "1", "2", "$1", "${2}", "$", "{s1}", "{s2}", "(", ")", "[", "]",
           "{", "}", ",", ", ", ":", "=", "-", ".", "e5", "0", "7", '"', "'", "\\", " ", "\t",
           "True", "null", "x", "k", "f(", "g(", "“", "”", "é", "#", "<END_OF_PLAN>", "\n"]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(head=st.sampled_from(["s1: f(", "s2: g(", "1. f(", "2. g(", "s3: f("]),
       body=st.lists(st.sampled_from(_PIECES), max_size=14).map("".join),
       before=st.sampled_from(["", "s1: f()\n", "1. f()\n", "s2: g(s1)\n"]),
       strict=st.booleans())
def test_any_call_line_reads_the_same_fast_and_in_full(head: str, body: str, before: str,
                                                        strict: bool) -> None:
    _both(before + head + body + ")", strict=strict)


@pytest.mark.parametrize("line", [
    's1: f(s1, "text", 1.5, k=[1, {"a": s2}])',  # a reference to itself: a cycle
    "s1: f(s2)",  # undefined
    's1: f("{s2} and {s1}")',
    's1: f(1)\ns2: f(s3)\ns3: f("{s2}")',  # a cycle through a template
    "1. f($2)\n2. f($1)",
    '1. f("$2 or $1")\n2. f("${1} and $3 and $2")',  # literal-ref warnings, fast and full
    "1. f(1)\n2. f($1, ${1}, x=$1)",
    "s1: f(x=1, x=2)",
    "s1: f(x=1, 2)",
    "s1: f(class=1)",
    "s1: f(__debug__=1)",
    "s1: f(0123)",
    "s1: f(1_000, 0x10, 1j, 1e999, -0.0, -0, 00)",
    "s1: f(" + "9" * 5000 + ")",
    "s1: f({[1]: 2})",
    "s1: f({(1, [2]): 2})",
    "s1: f({1, 2})",
    "s1: f((), (1), (1,), (1, 2,), [], [1,], {}, {1: 2,})",
    "s1: f(" + "[" * 60 + "]" * 60 + ")",
    "s1: f(" + "[" * 250 + "]" * 250 + ")",
    "s1: if(1)",
    "s1: join()\ns2: f()",
    "s1: f()\ns1: f()",
    "s1: f()\n1. f()",
    'Thought: look\ns1: f("a")',
    's1: f("<END_OF_PLAN>")\ns2: f(s1)',
    "s1: ﬁnd(1)",
    "s1: f(ﬁ=1)",
    "s1: f(\u00a01)",
    "s1: f(1)\f",
    "s1: f(“quoted”)",
    # only references (fast.REFS_LINE): repeated, spaced, a trailing comma, zeros, a later or
    # unknown id, a mixed dialect, a duplicate id, a name that is no function
    "s1: f()\ns2: f(s1, s1)\ns3: g( s2 ,s1 )  \t",
    "s1: f()\n  s2 : f ( s1 , s1, ) ",
    "s1: f()\ns2: f(s01)",
    "s1: f()\ns2: f(s1, s3)\ns3: f(s2)",
    "s1: f()\ns2: f(s1)\n1. f()",
    "1. f()\ns2: f()",
    "s1: f()\ns2: f(s1)\ns2: f(s1)",
    "s1: f()\ns2: join(s1)\ns3: if(s1)",
    "s1: f()\ns2: f(s1 s1)",
    "s1: f()\ns2: f(s1)<END_OF_PLAN>",
])
def test_lines_at_the_edge_of_the_fast_reading(line: str) -> None:
    for strict in (False, True):
        for functions in (None, {"f", "find"}):
            _both(line, strict=strict, functions=functions)


def test_the_fast_reading_takes_the_common_lines() -> None:
    text = "\n".join([
        "s1: search(\"Paris\", k=3)",
        "s2: math(s1, 2.5, -1, [1, 2], {\"a\": s1}, flag=True, none=null)",
        "s3: f(\"{s1} and {s2}\", (s1, s2), ())",
        "s4: f(s1, s3)",
        "s5: f()",
    ])
    with _counting_fast_lines() as taken:
        plan = parse_plan(text)
    assert taken[0] == 5
    # one Ref per id, shared by its uses
    assert plan["s4"].args[0] is plan["s2"].args[0] and plan["s4"].refs == ("s1", "s3")
    llmcompiler = '1. search("x")\n2. math($1, "$1 + ${1}", k=${1})'
    with _counting_fast_lines() as taken:
        parse_plan(llmcompiler)
    assert taken[0] == 2


def test_the_fast_reading_declines_what_it_does_not_take() -> None:
    reader = fast.FastReader(plan_parser._Parser("", None))
    for args in ['"a\\n"', "x", "1 + 2", "s1.x", "f(1)", "*a", "# c", "1, , 2", "k=1, 2",
                 "{1}", "'a' 'b'", "r'a'", "$1"]:
        with pytest.raises(fast.NotFast):
            reader.read(args, 0, 1, "s1", "llmorch")


def test_resumed_parsing_reads_the_same_fast_and_in_full() -> None:
    lines = ["s1: f()", "s2: f(s1, s3)", "s3: f(\"{s2}\")", "s4: f(s9)"]
    resume = Resume(lines, "llmorch", {"s1": (1, 1)}, {"s1"})
    for start in (1, 3):
        got = _outcome(lambda start=start: parse_rest(resume, start)[0])
        with _full_reading_only():
            expected = _outcome(lambda start=start: parse_rest(resume, start)[0])
        assert got == expected


def test_random_words_in_strings_keep_their_places() -> None:
    """Strings full of references and look-alikes: the warnings' and errors' columns."""
    rng = random.Random(7)
    alphabet = string.ascii_letters + " $,{}1234é日"
    for n in range(300):
        words = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        text = f'1. f("a")\n2. f("{words}", "$1 ${{2}} $3")\n3. g("{words}")'
        _both(text)
        _both(text.replace("1. ", "s1: ").replace("2. ", "s2: ").replace("3. ", "s3: ")
              .replace("$", "{s") + ("" if n % 2 else "\ns4: f(s5)"))


@pytest.mark.parametrize("full", [False, True])
def test_parsing_leaves_no_cyclic_garbage(full: bool) -> None:
    """The parser pauses the cyclic collector; what a parse drops (its syntax trees, its
    readers, its record of where references are) must be freed at once, by reference counting:
    nothing of it may wait for a collector pass."""
    import gc

    plans = [
        "\n".join(f's{i}: f(s{i - 1}, "{{s{i - 1}}} x", k=[1, {{"a": s{i - 1}}}])'
                  for i in range(2, 200)) + '\ns1: f("a\\n", 2 + 1)\ns200: g(s201)\ns201: g()',
        '1. f("a")\n2. f($1, "$1 and $9", ${1})\n3. f(“q”, $2 * 2)\nThought: done\n4. join()',
        "s1: search(The Lord of the Rings)\ns2: f([s1,\n  3",  # read leniently
    ]
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        with _full_reading_only() if full else contextlib.nullcontext():
            for text in plans:
                parse_plan(text)
            with pytest.raises(PlanError):
                parse_plan("s1: f(s2)\ns2: f(s1)")
            parse_rest(Resume(plans[0].split("\n"), "llmorch", {}, set()), 0)
        gc.collect()
        garbage = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert garbage == []
