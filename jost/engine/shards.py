"""The shard plan and one shard's run. The plan depends on the config alone (rounds and shard
size), never on how many workers there are, and a shard's generator state on the seed and the
shard's index alone: the same job gives the same statistics on one core or a hundred."""

from __future__ import annotations

from collections import Counter

import numpy as np

from jost.contracts import ShardStats, SimulationConfig
from jost.engine import kernel, layout
from jost.engine.cards import new_shoe
from jost.engine.game import Game, build_game
from jost.engine.stats import bin_from_row, tally_from_array

_MASK64 = (1 << 64) - 1


def mix64(x: int) -> int:
    """The SplitMix64 finaliser (the kernel generator's output function) in plain Python:
    spreads small integers over 64 bits."""
    z = (x + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def shard_seed(seed: int, shard_index: int) -> int:
    """The generator state of one shard: a function of the job's seed and the shard's index
    only, so a shard gives the same statistics wherever and whenever it runs."""
    return mix64(mix64(seed) ^ mix64(shard_index + 0x5DEECE66D))


def plan_shards(config: SimulationConfig) -> list[int]:
    """Rounds of each shard, by shard index: full shards of ``shard_rounds`` and a last,
    shorter one for the remainder."""
    full, rest = divmod(config.rounds, config.shard_rounds)
    return [config.shard_rounds] * full + ([rest] if rest else [])


def run_shard(
    config: SimulationConfig, shard_index: int, rounds: int, game: Game | None = None
) -> ShardStats:
    """Play one shard. ``game`` may be passed when running many shards of one config, to build
    its tables once."""
    if game is None:
        game = build_game(config)
    shoe = new_shoe(game.decks)
    cur = np.zeros(layout.CURSOR_SIZE, np.int64)
    cur[layout.IRC] = game.irc
    cur[layout.RC] = game.irc
    rng = np.array([shard_seed(config.seed, shard_index)], dtype=np.uint64)
    out = np.zeros(layout.N_OUT, np.int64)
    bins = np.zeros((len(game.bets) if game.counting else 1, layout.N_BIN_FIELDS), np.int64)
    trip_rounds = config.bankroll.trip_rounds if config.bankroll is not None else 0
    trips = np.zeros(max(rounds // trip_rounds, 1) if trip_rounds else 1, np.int64)
    kernel.play_rounds(
        game.arrays(),
        layout.Shoe(shoe, cur, rng),
        rounds,
        layout.Tallies(out, bins, trips),
        np.zeros(layout.SCRATCH_SHAPE, np.int64),
        np.zeros(layout.TRIP_SIZE, np.int64),
    )
    by_count = {}
    if game.counting:
        by_count = {
            game.bin_low + i: bin_from_row(row)
            for i, row in enumerate(bins)
            if row[layout.B_ROUNDS_DEALT]
        }
    n_trips = int(out[layout.O_TRIPS])
    trip_results = dict(
        sorted(Counter(int(x) // game.ticks_per_unit for x in trips[:n_trips]).items())
    )
    return ShardStats(
        total=tally_from_array(out),
        ticks_per_unit=game.ticks_per_unit,
        by_count=by_count,
        trip_results=trip_results,
    )
