"""The ``jost`` command. Each subcommand lives in its own module exposing
``register(subparsers)``, which adds its parser and sets ``handler`` to a function taking the
parsed arguments and returning the exit code."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = (
    "jost.cli.simulate",
    "jost.cli.ramp",
    "jost.cli.run",
    "jost.cli.platform",
    "jost.cli.exact",
    "jost.cli.indices",
    "jost.cli.profiles",
    "jost.cli.client_commands",
    "jost.cli.sweep",
    "jost.cli.tokens",
    "jost.cli.terminal_app",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jost", description="JOST blackjack analysis toolkit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
