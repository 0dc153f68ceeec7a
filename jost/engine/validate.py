"""Whether a config can run, beyond what its types say: the one check the CLI, the platform's
submit and the terminal all use, so a config refused by one is refused by all, naming the field.

Types and ranges are checked by msgspec when a config is decoded (``contracts``); this adds what
only the shipped data or the engine's arithmetic can tell: the names of charts, count systems
and index sets, bets the engine can count in whole ticks, the size of the shard plan, and money
sums that stay within 64 bits.
"""

from __future__ import annotations

import threading

import numpy as np

from jost.contracts import SimulationConfig
from jost.engine import layout
from jost.engine.errors import ConfigRejected
from jost.engine.game import Game, build_game, game_key

MAX_SHARDS = 10_000
"""Shards of one job: its plan is one event, and each shard one small message."""

MAX_SHARD_ROUNDS = 100_000_000
"""Rounds of one shard: seconds of a worker's time, not minutes."""

MAX_BET_UNITS = 1_000_000
"""The largest bet, in betting units, the engine accepts."""

_SUM_LIMIT = 2**63 - 1


def shard_count(config: SimulationConfig) -> int:
    return -(-config.rounds // config.shard_rounds)


def check_runnable(config: SimulationConfig) -> None:
    """Raise ``ConfigRejected`` unless every shard of ``config`` can run and its statistics
    merge; cheap (no simulation), so it runs before a job is accepted."""
    shards = shard_count(config)
    if shards > MAX_SHARDS:
        least = -(-config.rounds // MAX_SHARDS)
        raise ConfigRejected(
            "$.shard_rounds",
            f"{config.rounds:,} rounds in shards of {config.shard_rounds:,} make {shards:,} "
            f"shards; at most {MAX_SHARDS:,}: raise shard_rounds to at least {least:,}",
        )
    if config.shard_rounds > MAX_SHARD_ROUNDS:
        raise ConfigRejected(
            "$.shard_rounds",
            f"shards of {config.shard_rounds:,} rounds; at most {MAX_SHARD_ROUNDS:,}, so that "
            "one job's shard never holds a worker for minutes while other jobs wait",
        )
    biggest, ticks_per_unit = _bets_checked(config)
    units = biggest / ticks_per_unit
    # A round rarely moves more than four bets a spot; the sums of squares of the round's net
    # result, in ticks, must stay within 64 bits over all the job's rounds.
    per_round = 4 * biggest * config.table.spots
    if per_round * per_round * config.rounds > _SUM_LIMIT:
        raise ConfigRejected(
            "$.rounds",
            f"{config.rounds:,} rounds at bets up to {units:,.6g} units would overflow the "
            "engine's exact 64-bit sums: play fewer rounds or a narrower spread",
        )


_GAME_CHECKS_KEPT = 256
"""Games whose checks passed, remembered by their parts (FIFO beyond this many)."""
_game_checks: dict[bytes, tuple[int, int]] = {}
_game_checks_lock = threading.Lock()


def _bets_checked(config: SimulationConfig) -> tuple[int, int]:
    """The biggest bet in ticks and the ticks per unit of ``config``'s game, once its game
    passed the checks that need no rounds. Building the game took three quarters of a
    submit's own time on the API's event loop, and a sweep or a busy client sends the same
    game over and over with another seed or size: what passed is remembered by the game's
    parts (``game_key``); a rejected game is checked again each time."""
    key = game_key(config)
    with _game_checks_lock:
        known = _game_checks.get(key)
    if known is not None:
        return known
    checked = _check_game(config)
    with _game_checks_lock:
        if len(_game_checks) >= _GAME_CHECKS_KEPT:
            del _game_checks[next(iter(_game_checks))]
        _game_checks[key] = checked
    return checked


def _check_game(config: SimulationConfig) -> tuple[int, int]:
    try:
        game = build_game(config)  # raises ConfigRejected where it finds a fault
    except ArithmeticError as exc:
        raise ConfigRejected("$.betting", _arith(exc)) from exc
    _check_counting(config, game)
    bets = game.bets if game.counting else np.array([game.params[layout.P_BET]])
    if int(bets.min()) <= 0:
        raise ConfigRejected(
            "$.betting.ramp" if config.betting.ramp else "$.betting",
            "a bet rounds to nothing (check the ramp's units, the unit and the chip)",
        )
    biggest = int(bets.max())
    units = biggest / game.ticks_per_unit
    if units > MAX_BET_UNITS:
        raise ConfigRejected(
            "$.betting",
            f"a bet of {units:,.6g} units; the engine takes at most {MAX_BET_UNITS:,} units",
        )
    return biggest, game.ticks_per_unit


def _check_counting(config: SimulationConfig, game: Game) -> None:
    """A count that can never move, or a wonger who can never enter, plays no round at all."""
    if not game.counting:
        return
    if not game.tags.any():
        raise ConfigRejected(
            "$.strategy.count.system.tags", "every tag is 0: the count never moves"
        )
    wonging = config.betting.wonging
    highest = game.bin_low + len(game.bets) - 1
    if wonging is not None and wonging.enter_at > highest:
        raise ConfigRejected(
            "$.betting.wonging.enter_at",
            f"{wonging.enter_at:g} is beyond the highest count the engine tracks ({highest}): "
            "the wonger would never play",
        )


def _arith(exc: Exception) -> str:
    return f"bets the engine cannot count exactly ({type(exc).__name__}: {exc})"
