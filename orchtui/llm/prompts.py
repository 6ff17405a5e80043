"""The prompts: query translation with few-shot examples (paper §III-A), the compile-time repair
prompt and the runtime repair prompt (paper §III-D).

The paper found few-shot examples far more effective than stating the grammar (over 85% valid
translations against under 20%), so the system prompt is mostly examples; the rules are the few
that examples cannot show.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from orchtui.llm.backend import Message
from orchtui.scenario.model import FunctionSpec, Scenario

RULES = """\
You translate a user's query into a function call sequence: the calls that, run in order, \
answer the query with the available functions.
- Write one call per line as `sN: function(arguments)`, numbering s1, s2, s3, ... in order.
- A call's id stands for its result. Pass a result as an argument by its id (`args=[s1]`), or \
put `{sN}` inside a string to insert it.
- Use only the functions listed. Keep calls that do not need each other's results independent, \
so that they can run in parallel.
- Reply with the function call sequence only: no explanation, no numbering, no code fences."""

# Each example: (functions, query, plan). Not the bundled scenarios' own queries, so that a
# translation demo shows the model generalising rather than copying.
EXAMPLES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("search(query): search the query through search engines and obtain the top results",
         "chatbot(prompt): ask an LLM for an answer or a completion towards prompt",
         "python(file, args): execute the python code in file with arguments args"),
        "I want to do a search engine optimization (SEO) audit. I'll firstly search the webpage "
        "(https://openai.com/). I also need chatbot for a SEO optimization example. Then I'll "
        "request the local python file (\"seo.py\") for Technical SEO Audit, and the local "
        "python file (\"con.py\") for Content Analysis. Finally, I prefer a summary report.",
        's1: search(query="https://openai.com/")\n'
        's2: chatbot("Give an example of a search engine optimization (SEO) improvement.")\n'
        's3: python(file="seo.py", args=[s1])\n'
        's4: python(file="con.py", args=[s1])\n'
        's5: chatbot("Write a summary SEO audit report from: {s2} {s3} {s4}")',
    ),
    (
        ("search(term, k=500): search term in Wikipedia and obtain the first k words into a "
         "summary",
         "math(prompt): ask an LLM-based calculator for a mathematics result; it writes a "
         "rigorous Python expression from the prompt"),
        "How much taller is Mount Everest than K2, as a percentage of K2's height?",
        's1: search("Mount Everest")\n'
        's2: search("K2")\n'
        's3: math("Question: height of Mount Everest in metres? {s1}")\n'
        's4: math("Question: height of K2 in metres? {s2}")\n'
        's5: math("({s3} - {s4}) / {s4} * 100")',
    ),
)


def describe_function(f: FunctionSpec) -> str:
    """One line for the prompt: the description if it shows the signature, else name(...)."""
    text = " ".join(f.description.split())
    if text.startswith(f"{f.name}(") or text.startswith(f"{f.name} ("):
        return text
    return f"{f.name}(...): {text}" if text else f"{f.name}(...)"


def functions_block(functions: Iterable[FunctionSpec]) -> str:
    return "\n".join(f"- {describe_function(f)}" for f in functions)


def system_prompt() -> str:
    parts = [RULES, ""]
    for n, (functions, query, plan) in enumerate(EXAMPLES, 1):
        parts += [f"Example {n}", "Functions:", *(f"- {f}" for f in functions),
                  f"Query: {query}", "Function call sequence:", plan, ""]
    return "\n".join(parts).rstrip()


# LLMCompiler's planner asks in its own words (its planner prompt: numbered actions, `$N` for
# an earlier action's output, join() last, then <END_OF_PLAN>), so that `--policy llmcompiler
# --llm` is its baseline, not ours under its name.
LLMCOMPILER_RULES = """\
Given a user query, create a plan to solve it with the utmost parallelizability. Each plan \
should comprise an action from the following {n} types:
{actions}
{n}. join(): Collects and combines results from prior actions.

 - An LLM agent is called upon invoking join() to either finalize the user query or wait until \
the plans are executed.
 - join should always be the last action in the plan, and will be called in two scenarios:
   (a) if the answer can be determined by gathering the outputs from tasks to generate the \
final response.
   (b) if the answer cannot be determined in the planning phase before you execute the plans.
Guidelines:
 - Each action described above contains input/output types and description.
    - You must strictly adhere to the input and output types for each action.
    - The action descriptions contain the guidelines. You MUST strictly follow those \
guidelines when you use the actions.
 - Each action in the plan should strictly be one of the above types. Follow the Python \
conventions for each action.
 - Each action MUST have a unique ID, which is strictly increasing.
 - Inputs for actions can either be constants or outputs from preceding actions. In the \
latter case, use the format $id to denote the ID of the previous action whose output will be \
the input.
 - Always call join as the last action in the plan. Say '<END_OF_PLAN>' after you call join
 - Ensure the plan maximizes parallelizability.
 - Only use the provided action types. If a query cannot be addressed using these, invoke the \
join action for the next steps.
 - Never explain the plan with comments (e.g. #).
 - Never introduce new actions other than the ones provided."""

LLMCOMPILER_EXAMPLE = """\
Question: How much taller is Mount Everest than K2, as a percentage of K2's height?
1. search("Mount Everest")
2. search("K2")
3. math("Question: height of Mount Everest in metres? $1")
4. math("Question: height of K2 in metres? $2")
5. math("($3 - $4) / $4 * 100")
6. join()<END_OF_PLAN>"""


def llmcompiler_system_prompt(functions: Sequence[FunctionSpec]) -> str:
    actions = "\n".join(f"{n}. {describe_function(f)}" for n, f in enumerate(functions, 1))
    return (LLMCOMPILER_RULES.format(n=len(functions) + 1, actions=actions)
            + "\n\nHere are some examples:\n\n" + LLMCOMPILER_EXAMPLE)


def translation_messages(scenario: Scenario, dialect: str = "llmorch") -> list[Message]:
    query = " ".join(scenario.query.split())
    if dialect == "llmcompiler":
        return [{"role": "system", "content": llmcompiler_system_prompt(scenario.functions)},
                {"role": "user", "content": f"Question: {query}"}]
    return [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content": f"Functions:\n{functions_block(scenario.functions)}\n"
                                    f"Query: {query}\n"
                                    "Function call sequence:"},
    ]


def plan_repair_messages(scenario: Scenario, faulty: str, error: str) -> list[Message]:
    """Paper §III-D: the error message, the erroneous sequence and the few-shot examples."""
    return [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content":
            f"Functions:\n{functions_block(scenario.functions)}\n"
            f"Query: {' '.join(scenario.query.split())}\n\n"
            "This function call sequence for the query does not parse:\n"
            f"{faulty.strip()}\n\n"
            f"Error: {error}\n\n"
            "Repair it so that it follows the examples and uses only the functions listed. "
            "Reply with the whole corrected function call sequence only."},
    ]


CALL_REPAIR_SYSTEM = """\
You repair one function call of a function call sequence whose execution failed. A failure is \
often caused by a call before it that gave too little information, so you are given that \
earlier call (the recovery call) to repair, the calls that failed and their errors.
Reply with the repaired recovery call only, on one line, in the same syntax: \
`sN: function(arguments)`. Keep its id and the ids it refers to. You may change its arguments \
or use another function of the same kind. If the recovery call is not the cause of the \
failure, reply with it unchanged."""


def call_repair_messages(scenario: Scenario, call_text: str, call_id: str, kind: str,
                         same_kind: Sequence[str], plan_text: str,
                         failed: Sequence[tuple[str, str]], refs: Sequence[str],
                         problem: str | None = None) -> list[Message]:
    """Paper §III-D: the failed calls (id, function, arguments), their exceptions, and all
    available functions, to repair the recovery call."""
    lines = [
        f"Functions:\n{functions_block(scenario.functions)}",
        f"Query: {' '.join(scenario.query.split())}" if scenario.query else "",
        f"The function call sequence:\n{plan_text.strip()}",
        "These calls failed:",
        *(f"- {text}\n  error: {error}" for text, error in failed),
        f"Recovery call to repair: {call_text}",
        f"Keep the id {call_id}"
        + (f" and its references ({', '.join(refs)})" if refs else "")
        + f". Its function is {kind}; it may become any of: {', '.join(same_kind)}.",
    ]
    if problem:
        lines.append(f"Your previous reply could not be used: {problem}")
    lines.append("Repaired call:")
    return [{"role": "system", "content": CALL_REPAIR_SYSTEM},
            {"role": "user", "content": "\n".join(x for x in lines if x)}]
