"""The ``jost`` command imports only the module of the command it runs: the table of commands
is exactly what the modules register, a command parses as it did with every command
registered, and help and errors that name no command still list them all."""

from __future__ import annotations

import argparse
import importlib
import re
from collections.abc import Callable

import pytest
from jost_probe import probe

from jost.cli import COMMAND_MODULES, COMMANDS, build_parser


def registered(module: str) -> list[str]:
    """The commands ``module`` adds to a parser, in the order it adds them."""
    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module).register(sub)
    return list(sub.choices)


def test_the_table_is_exactly_what_each_module_registers() -> None:
    table = [(command, module) for module in COMMAND_MODULES for command in registered(module)]
    assert table == list(COMMANDS.items())


def outcome(
    build: Callable[[], argparse.ArgumentParser],
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
) -> tuple[object, str, str]:
    """What parsing ``argv`` prints and ends with: the exit code, or the parsed namespace."""
    try:
        args = vars(build().parse_args(argv))
        args["handler"] = args["handler"].__qualname__
        ended: object = args
    except SystemExit as exc:
        ended = exc.code
    out = capsys.readouterr()
    return ended, out.out, out.err


ARGVS = [
    [command, "--help"] for command in COMMANDS
] + [  # errors inside a command: its own usage line, and the top parser's
    ["simulate", "--rounds", "many"],
    ["simulate", "--no-such-option"],
    ["run", "a.json", "b.json"],
    ["profiles"],
    ["tokens", "create"],
    ["simulate", "game.json", "--rounds", "1000"],
]


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_a_command_parses_as_with_every_command_registered(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    lazy = outcome(lambda: build_parser(argv), argv, capsys)
    every = outcome(build_parser, argv, capsys)
    assert lazy == every
    assert lazy[1] or lazy[2] or isinstance(lazy[0], dict)


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"], ["no-such-command"], ["--", "run"]])
def test_help_and_errors_without_a_command_list_every_command(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    build_parser(argv).print_help()
    listed = capsys.readouterr().out
    listed_commands = re.findall(r"^    (\S+)", listed, re.MULTILINE)
    assert listed_commands == list(COMMANDS)


def test_simulate_help_imports_neither_the_platform_nor_the_terminal_nor_numba() -> None:
    probed = probe("simulate", "--help")
    assert probed.code == 0 and probed.out.startswith("usage: jost simulate")
    assert not any(probed.loaded.values()), probed.loaded
