"""`orchtui trust FILE`: allow real runs of a scenario to import the code it names."""

from __future__ import annotations

import argparse

from orchtui.cli.inputs import FILE_HELP, load_input
from orchtui.errors import OrchError
from orchtui.scenario.trust import foreign_code, is_bundled, store_path, trust
from orchtui.text import inert


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trust", help="allow real runs of a scenario to import the code it "
                                     "names (like `direnv allow`)")
    p.add_argument("file", help=FILE_HELP)
    p.add_argument("--show", action="store_true",
                   help="only list the code outside orchtui.functions and the scenario's "
                        "folder that a real run would import")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    scenario = load_input(args.file)
    if scenario.path is None or scenario.path.suffix not in (".yaml", ".yml"):
        raise OrchError(f"{args.file}: only a scenario YAML names code to trust")
    foreign = foreign_code(scenario)
    shown = [f"  {c.function}: {inert(c.impl, newlines=False)} ({inert(c.why, newlines=False)})"
             for c in foreign]
    if args.show:
        print(f"{scenario.path}: " + ("a real run imports only orchtui.functions and files in "
                                      "its folder" if not foreign else "a real run imports:"))
        if shown:
            print("\n".join(shown))
        return 0
    if is_bundled(scenario.path):
        print(f"{scenario.path}: bundled with orchtui, trusted already")
        return 0
    trust(scenario)
    print(f"trusted {scenario.path} as it is now (recorded in {store_path()}); a change to it"
          + (" or to the files it names" if any(c.file for c in foreign) else "")
          + " needs trust again")
    if shown:
        print("real runs may import:")
        print("\n".join(shown))
    return 0
