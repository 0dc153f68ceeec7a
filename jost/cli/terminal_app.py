"""``jost terminal``: the full-screen app (``jost.terminal.app``)."""

from __future__ import annotations

import argparse

from jost.cli.config_file import fail


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "terminal",
        help="the full-screen terminal app: profiles, runs, jobs, results",
        description=(
            "Open the terminal app: edit profiles (F1), run a simulation on the platform or "
            "here (F2), follow jobs (F3), read results and export them. Without a platform "
            "address everything but submitting works, and runs go local."
        ),
    )
    p.add_argument("--url", help="the platform (default: JOST_URL, else what jost login saved)")
    p.add_argument("--token", help="the token (default: JOST_TOKEN, else the saved one)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # imported here: Textual loads in a fraction of a second, but only this command needs it
    from jost.profiles.store import ProfileStore
    from jost.terminal.app import JostApp
    from jost.terminal.client import BadTarget, PlatformUnavailable, resolve_target
    from jost.terminal.history import JobHistory
    from jost.terminal.paths import profiles_dir, state_dir

    try:
        url, token = resolve_target(args.url, args.token)
    except PlatformUnavailable:
        url, token = None, args.token  # no address known: the app works offline
    except BadTarget as exc:
        return fail(str(exc))
    try:
        store = ProfileStore(profiles_dir())
        history = JobHistory(state_dir())
    except (OSError, ValueError) as exc:
        return fail(str(exc))
    JostApp(store, history, url, token).run()
    return 0
