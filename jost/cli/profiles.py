"""``jost profiles``: the player's profiles on this machine (no platform needed).

Exit codes: 0 done; 2 bad input (an invalid or missing profile, a default to be changed, a
bad name), with one line on standard error naming the file and the field."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import msgspec

from jost.cli.config_file import fail
from jost.profiles.hydrate import hydrate
from jost.profiles.install import ensure_defaults
from jost.profiles.store import KINDS, ProfileError, ProfileStore, check_kind, check_name
from jost.terminal.paths import profiles_dir


def open_store() -> ProfileStore:
    """The player's profiles folder, with the packaged defaults installed on first use."""
    store = ProfileStore(profiles_dir())
    ensure_defaults(store)
    return store


def kind_name(text: str) -> tuple[str, str]:
    """``KIND/NAME`` (a trailing ``.json`` is taken off)."""
    kind, slash, name = text.partition("/")
    if not slash:
        raise ProfileError(f"{text!r}: give KIND/NAME, KIND one of {', '.join(KINDS)}")
    return check_kind(kind), check_name(name.removesuffix(".json"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "profiles",
        help="the player's profiles: list, show, save, copy, rm, edit, validate, hydrate",
        description=(
            "Profiles are JSON files KIND/NAME.json in the profiles folder (JOST_PROFILES, "
            "else profiles/ in the user's data folder); defaults are read-only: copy to change."
        ),
    )
    cmd = p.add_subparsers(dest="profiles_command", required=True, metavar="ACTION")

    a = cmd.add_parser("list", help="list profiles (default and the player's) and their validity")
    a.add_argument("kind", nargs="?", choices=KINDS)
    a.add_argument("--json", action="store_true", help="a JSON list of kind, name, source, valid")
    a.set_defaults(handler=_handled(_list))

    a = cmd.add_parser("show", help="print a profile's JSON")
    a.add_argument("profile", metavar="KIND/NAME")
    a.set_defaults(handler=_handled(_show))

    a = cmd.add_parser("save", help="create or replace a profile from a file or standard input")
    a.add_argument("profile", metavar="KIND/NAME")
    a.add_argument("file", nargs="?", help="the JSON file (default: standard input)")
    a.set_defaults(handler=_handled(_save))

    a = cmd.add_parser("copy", help="copy a profile (a default too) to a new name of yours")
    a.add_argument("profile", metavar="KIND/NAME")
    a.add_argument("new_name", metavar="NEWNAME")
    a.set_defaults(handler=_handled(_copy))

    a = cmd.add_parser("rm", help="remove a profile of yours")
    a.add_argument("profile", metavar="KIND/NAME")
    a.add_argument(
        "--force", action="store_true", help="remove it even while other profiles name it"
    )
    a.set_defaults(handler=_handled(_rm))

    a = cmd.add_parser("edit", help="edit a profile of yours in $EDITOR (invalid edits refused)")
    a.add_argument("profile", metavar="KIND/NAME")
    a.set_defaults(handler=_handled(_edit))

    a = cmd.add_parser("validate", help="validate one profile, or all")
    a.add_argument("profile", nargs="?", metavar="KIND/NAME")
    a.set_defaults(handler=_handled(_validate))

    a = cmd.add_parser(
        "hydrate", help="print the complete config of a simulation profile (what is submitted)"
    )
    a.add_argument("name", metavar="NAME", help="a simulation profile")
    a.add_argument("--rounds", type=int, help="rounds to play (overrides the profile)")
    a.add_argument("--seed", type=int, help="random seed (overrides the profile)")
    a.set_defaults(handler=_handled(_hydrate))


def _handled(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return action(args)
        except ProfileError as exc:
            return fail(str(exc))

    return run


def _list(args: argparse.Namespace) -> int:
    entries = open_store().list(args.kind)
    if args.json:
        rows = [
            {"kind": e.kind, "name": e.name, "source": e.source, "valid": e.valid} for e in entries
        ]
        sys.stdout.write(msgspec.json.encode(rows).decode() + "\n")
        return 0
    width = max((len(e.kind) + len(e.name) + 1 for e in entries), default=0)
    for e in entries:
        state = "ok" if e.valid else f"INVALID: {e.error}"
        print(f"{e.kind + '/' + e.name:<{width}}  {e.source:<7}  {state}")
    return 0


def _show(args: argparse.Namespace) -> int:
    """The file as it is; an invalid one is shown too, with its error on standard error."""
    kind, name = kind_name(args.profile)
    store = open_store()
    sys.stdout.write(store.read_text(kind, name))
    sys.stdout.flush()
    try:
        store.validate(kind, name)
    except ProfileError as exc:
        return fail(f"{exc} (shown as it is: the profile is invalid)")
    return 0


def _save(args: argparse.Namespace) -> int:
    kind, name = kind_name(args.profile)
    if args.file is None:
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(args.file).read_bytes()
        except OSError as exc:
            return fail(f"{args.file}: cannot read: {exc.strerror}")
    store = open_store()
    store.save(kind, name, data)
    print(f"saved {store.path(kind, name)}", file=sys.stderr)
    return 0


def _copy(args: argparse.Namespace) -> int:
    kind, name = kind_name(args.profile)
    store = open_store()
    store.copy(kind, name, check_name(args.new_name))
    print(f"copied {kind}/{name} to {store.path(kind, args.new_name)}", file=sys.stderr)
    return 0


def _rm(args: argparse.Namespace) -> int:
    kind, name = kind_name(args.profile)
    open_store().remove(kind, name, force=args.force)
    print(f"removed {kind}/{name}", file=sys.stderr)
    return 0


def _edit(args: argparse.Namespace) -> int:
    """Edit a copy in a temp folder; the profile's file is replaced only by a valid edit."""
    kind, name = kind_name(args.profile)
    store = open_store()
    if store.is_default(kind, name):
        return fail(
            f"{kind}/{name} is a default and read-only: copy it first "
            f"(jost profiles copy {kind}/{name} NEWNAME)"
        )
    old = store.read_bytes(kind, name)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="jost-edit-") as folder:
        draft = Path(folder) / f"{name}.json"
        draft.write_bytes(old)
        try:
            code = subprocess.call([*shlex.split(editor), str(draft)])
        except OSError as exc:
            return fail(f"cannot run the editor {editor!r}: {exc.strerror}")
        if code != 0:
            return fail(f"the editor exited with {code}; {kind}/{name} kept as it was")
        new = draft.read_bytes()
    if new == old:
        print(f"{kind}/{name}: no change", file=sys.stderr)
        return 0
    try:
        store.save(kind, name, new)
    except ProfileError as exc:
        return fail(f"{exc}; the edit is refused and {store.path(kind, name)} kept as it was")
    print(f"saved {store.path(kind, name)}", file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    store = open_store()
    if args.profile:
        kind, name = kind_name(args.profile)
        store.validate(kind, name)
        print(f"{kind}/{name}: valid")
        return 0
    entries = store.list()
    bad = [e for e in entries if not e.valid]
    for e in bad:
        print(f"jost: {e.error}", file=sys.stderr)
    print(f"{len(entries)} profiles, {len(bad)} invalid")
    return 2 if bad else 0


def _hydrate(args: argparse.Namespace) -> int:
    name = args.name.removeprefix("simulation/")
    config = hydrate(open_store(), check_name(name), rounds=args.rounds, seed=args.seed)
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(config)).decode() + "\n")
    return 0
