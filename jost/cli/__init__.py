"""The ``jost`` command. Each subcommand lives in its own module exposing
``register(subparsers)``, which adds its parser and sets ``handler`` to a function taking the
parsed arguments and returning the exit code."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from jost.processes import single_threaded_blas

single_threaded_blas()  # before anything imports numpy

COMMANDS = {
    "simulate": "jost.cli.simulate",
    "ramp": "jost.cli.ramp",
    "run": "jost.cli.run",
    "up": "jost.cli.platform",
    "api": "jost.cli.platform",
    "worker": "jost.cli.platform",
    "projector": "jost.cli.platform",
    "replay": "jost.cli.platform",
    "exact": "jost.cli.exact",
    "strategy": "jost.cli.exact",
    "indices": "jost.cli.indices",
    "profiles": "jost.cli.profiles",
    "login": "jost.cli.client_commands",
    "sync": "jost.cli.client_commands",
    "submit": "jost.cli.client_commands",
    "jobs": "jost.cli.client_commands",
    "watch": "jost.cli.client_commands",
    "results": "jost.cli.client_commands",
    "sweep": "jost.cli.sweep",
    "tokens": "jost.cli.tokens",
    "terminal": "jost.cli.terminal_app",
}
"""Each subcommand and the module that registers it, in the order ``jost --help`` lists them
(tests/cli checks it against what the modules register)."""

COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))
"""The command modules, each once, in the order they register."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``jost`` parser for ``argv``. Importing a command's module imports what it runs
    (Textual, httpx, the platform, numba), ~0.85 s for all of them: when ``argv`` starts with a
    command, only its module registers. Anything else (no command, ``--help``, a word that is
    no command) registers every module, so argparse's help and errors list them all."""
    parser = argparse.ArgumentParser(prog="jost", description="JOST blackjack analysis toolkit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command = COMMANDS.get(argv[0]) if argv else None
    for name in (command,) if command else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    return int(args.handler(args) or 0)


def entry() -> NoReturn:
    """The ``jost`` executable: ``main``, then the process ends without the interpreter's
    teardown, once what it wrote is flushed. The teardown did nothing a command needs (every
    command has closed its files, clients and child processes when it returns) and took
    0.26 s after ``jost run`` and 0.48 s after ``jost simulate`` (numba's). A command that
    raises (or exits through argparse) ends the usual way."""
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
