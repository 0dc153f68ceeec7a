"""An independent reference implementation of the game ``jost simulate`` plays.

Written from the documented conventions only (README "Simulating" / "Counting and betting",
the field names of ``jost/contracts/config.py`` and the JSON data under ``jost/defaults/``),
in plain Python, without importing ``jost``: a second opinion to check the engine against.
Clarity first: ints for cards, a list shoe popped from the end, exact integer arithmetic for counts.

Entry point: :func:`play` plays ``rounds`` rounds of a config dict (the JSON ``jost simulate``
reads) and returns per-block sums of our seat's results, from which :func:`estimates` derives
each statistic with a batch-means standard error.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

DEFAULTS = Path(__file__).resolve().parents[2] / "jost" / "defaults"

RULE_DEFAULTS: dict[str, Any] = {
    # jost/contracts/config.py, struct Rules
    "decks": 6,
    "dealer_hits_soft_17": False,
    "blackjack_pays": 1.5,
    "double": "any_two",
    "double_after_split": True,
    "max_split_hands": 4,
    "resplit_aces": False,
    "hit_split_aces": False,
    "surrender": "none",
    "hole_card": "peek",
    "shuffle": "cut_card",
    "penetration": 0.75,
}

ACE = 1
TEN = 10
RED_SEVEN = 11
"""Card codes: 1 (ace) .. 10 are the ranks; 11 is a red seven (rank 7), used only when the
count system tags red sevens apart."""
RANK_OF = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 7)

UPCARD_NAMES = ("2", "3", "4", "5", "6", "7", "8", "9", "10", "A")
COLUMN = (None, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8)
"""Chart column of an upcard rank: 2..10 then A."""

OPPOSITE = {"H": "S", "S": "H", "D": "H", "Ds": "S", "P": "N", "N": "P", "R": "-", "I": "-"}
"""The play on the other side of an index whose action the chart already plays."""


class ConfigError(ValueError):
    """A config the reference does not implement."""


# ---------------------------------------------------------------------------------------------
# counting


def round_ratio(num: int, den: int, rounding: str) -> int:
    """num / den (den > 0) rounded to an integer: ``floor``, ``truncate`` (toward zero) or
    ``round`` (to the nearest, halves away from zero). Exact integer arithmetic."""
    if den <= 0:
        raise ValueError("den must be positive")
    if rounding == "floor":
        return num // den
    if rounding == "truncate":
        return num // den if num >= 0 else -((-num) // den)
    if rounding == "round":
        q = (2 * abs(num) + den) // (2 * den)
        return q if num >= 0 else -q
    raise ConfigError(f"strategy.count.rounding: unknown rounding {rounding!r}")


def true_count_half_points(rc2: int, unseen: int, estimation: str, rounding: str) -> int:
    """The true count of a balanced system from the running count in half points (``rc2``):
    running count over the decks unseen, rounded.

    ``unseen``: cards not yet seen (undealt, plus a face-down hole card). ``exact``: unseen / 52
    decks; ``half_deck``: to the nearest half deck (halves = floor((unseen + 13) / 26)), at least
    one half; ``full_deck``: to the nearest deck (floor((unseen + 26) / 52)), at least one."""
    if estimation == "exact":
        # (rc2 / 2) / (unseen / 52)
        return round_ratio(rc2 * 26, unseen, rounding)
    if estimation == "half_deck":
        # (rc2 / 2) / (halves / 2)
        return round_ratio(rc2, max(1, (unseen + 13) // 26), rounding)
    if estimation == "full_deck":
        return round_ratio(rc2, 2 * max(1, (unseen + 26) // 52), rounding)
    raise ConfigError(f"strategy.count.deck_estimation: unknown {estimation!r}")


def true_count(running: Fraction | int, unseen: int, estimation: str, rounding: str) -> int:
    """:func:`true_count_half_points` of a running count in whole or half points."""
    rc2 = Fraction(running) * 2
    if rc2.denominator != 1:
        raise ValueError("a running count is in whole or half points")
    return true_count_half_points(int(rc2), unseen, estimation, rounding)


def hand_value(cards: list[int]) -> tuple[int, bool]:
    """(best total, soft): soft when an ace counts 11 without busting."""
    total = sum(cards)
    if ACE in cards and total + 10 <= 21:
        return total + 10, True
    return total, False


# ---------------------------------------------------------------------------------------------
# config


@dataclass(frozen=True)
class IndexEntry:
    action: str
    threshold: int
    """ceil(index): the count compared with."""
    at_or_above: bool


@dataclass
class Setup:
    decks: int
    h17: bool
    blackjack_pays: float
    double: str
    das: bool
    max_split_hands: int
    resplit_aces: bool
    hit_split_aces: bool
    late_surrender: bool
    penetration: float
    seats: int
    position: int
    hard: dict[int, list[str]]
    soft: dict[int, list[str]]
    pairs: dict[int, list[str]]
    """Pair rows by rank (ace 1), PD already resolved against the DAS rule to P or N."""
    sur_hard: dict[int, list[str]]
    sur_soft: dict[int, list[str]]
    sur_pairs: dict[int, list[str]]
    counting: bool
    tags2: list[int]
    """Tag of each card code, in half points."""
    red_sevens: bool
    balanced: bool
    irc2: int
    """Initial running count, in half points."""
    estimation: str
    rounding: str
    indices: dict[tuple[str, str, int, int], IndexEntry] = field(default_factory=dict)
    """(decision, hand kind, total or pair rank, upcard rank) -> index play. Decisions:
    ``ins``, ``sur``, ``pair``, ``play``; kinds ``hard``, ``soft``, ``pair``, ``insurance``."""
    ramp: list[tuple[float, float]] = field(default_factory=list)

    def bet(self, count: int) -> float:
        units = 1.0
        for at, n in self.ramp:
            if count >= at:
                units = n
        return units

    def may_double(self, total: int, soft: bool) -> bool:
        if self.double == "any_two":
            return True
        low = 9 if self.double == "9_to_11" else 10
        return not soft and low <= total <= 11


def _check_keys(where: str, obj: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(obj) - allowed
    if unknown:
        raise ConfigError(f"{where}: not supported by the reference: {sorted(unknown)}")


def _load_json(*parts: str) -> Any:
    return json.loads(DEFAULTS.joinpath(*parts).read_text())


def _rank(name: str) -> int:
    return ACE if name == "A" else int(name)


def _parse_index(entry: dict[str, Any]) -> tuple[tuple[str, str, int, int], IndexEntry]:
    _check_keys("index play", entry, {"hand", "upcard", "action", "index", "apply"})
    hand, action = entry["hand"], entry["action"]
    up = _rank(entry["upcard"])
    apply = entry.get("apply", "at_or_above")
    if apply not in ("at_or_above", "below"):
        raise ConfigError(f"index play: unknown apply {apply!r}")
    value = IndexEntry(action, math.ceil(entry["index"]), apply == "at_or_above")
    if hand == "insurance":
        if action != "I" or up != ACE:
            raise ConfigError("insurance index plays are against an ace, action I")
        return ("ins", "insurance", 0, ACE), value
    kind, _, total_name = hand.partition(" ")
    if kind == "pair":
        total = _rank(total_name)
    elif kind in ("hard", "soft"):
        total = int(total_name)
    else:
        raise ConfigError(f"index play: unknown hand {hand!r}")
    if action == "R":
        decision = "sur"
    elif action in ("P", "N"):
        if kind != "pair":
            raise ConfigError(f"index play: {action} on {hand!r}")
        decision = "pair"
    elif action in ("H", "S", "D", "Ds"):
        if kind == "pair":
            raise ConfigError(f"index play: {action} on {hand!r}")
        decision = "play"
    else:
        raise ConfigError(f"index play: unknown action {action!r}")
    return (decision, kind, total, up), value


def parse_config(config: dict[str, Any]) -> Setup:
    """The reference's view of a ``jost simulate`` config; anything it does not implement is
    rejected with a ConfigError."""
    _check_keys(
        "config",
        config,
        {"rules", "strategy", "betting", "table", "rounds", "seed", "shard_rounds"},
    )
    rules = dict(RULE_DEFAULTS)
    _check_keys("rules", config.get("rules", {}), set(RULE_DEFAULTS))
    rules.update(config.get("rules", {}))
    if not 1 <= rules["decks"] <= 8:
        raise ConfigError("rules.decks must be 1..8")
    if rules["hole_card"] != "peek":
        raise ConfigError("rules.hole_card: only 'peek'")
    if rules["shuffle"] != "cut_card":
        raise ConfigError("rules.shuffle: only 'cut_card'")
    if rules["surrender"] not in ("none", "late"):
        raise ConfigError("rules.surrender: only 'none' or 'late'")
    if rules["double"] not in ("any_two", "9_to_11", "10_to_11"):
        raise ConfigError(f"rules.double: unknown {rules['double']!r}")
    if rules["blackjack_pays"] not in (1.5, 1.2, 1.0):
        raise ConfigError("rules.blackjack_pays: 1.5, 1.2 or 1.0")
    if not 0 < rules["penetration"] <= 1:
        raise ConfigError("rules.penetration must be in (0, 1]")

    strategy = config.get("strategy", {})
    _check_keys("strategy", strategy, {"playing", "count", "deviations"})
    if strategy.get("playing", "basic") != "basic":
        raise ConfigError("strategy.playing: only 'basic'")
    decks = rules["decks"]
    family = "1d" if decks == 1 else "2d" if decks == 2 else "shoe"
    chart = _load_json(
        "charts", f"{family}-{'h17' if rules['dealer_hits_soft_17'] else 's17'}.json"
    )
    das = bool(rules["double_after_split"])

    def resolve_pd(cell: str) -> str:
        return ("P" if das else "N") if cell == "PD" else cell

    surrender_chart = chart.get("surrender", {})

    table = config.get("table", {})
    _check_keys("table", table, {"seats", "position", "spots", "rounds_per_hour"})
    if table.get("spots", 1) != 1:
        raise ConfigError("table.spots: only 1")
    seats, position = table.get("seats", 1), table.get("position", 1)
    if not 1 <= position <= seats <= 8:
        raise ConfigError("table: need 1 <= position <= seats <= 8")

    count = strategy.get("count")
    tags2 = [0] * 12
    red_sevens, balanced, irc2 = False, True, 0
    estimation, rounding = "exact", "floor"
    if count is not None:
        _check_keys("strategy.count", count, {"system", "deck_estimation", "rounding"})
        system = count["system"]
        if isinstance(system, str):
            system = _load_json("counts", f"{system}.json")
        tags = system["tags"]
        for code in range(1, 11):
            tags2[code] = round(2 * tags["A" if code == ACE else str(code)])
        red_sevens = "7_red" in tags
        tags2[RED_SEVEN] = round(2 * tags.get("7_red", tags["7"]))
        deck_sum2 = sum(4 * tags2[c] for c in range(1, 10) if c != 7)
        deck_sum2 += 16 * tags2[TEN] + 2 * tags2[7] + 2 * tags2[RED_SEVEN]
        balanced = deck_sum2 == 0
        if not balanced:
            irc2 = round(
                2 * (system.get("irc_per_deck", 0.0) * decks + system.get("irc_offset", 0.0))
            )
        estimation = count.get("deck_estimation", "exact")
        rounding = count.get("rounding", "floor")
        if estimation not in ("exact", "half_deck", "full_deck"):
            raise ConfigError(f"strategy.count.deck_estimation: unknown {estimation!r}")
        if rounding not in ("floor", "truncate", "round"):
            raise ConfigError(f"strategy.count.rounding: unknown {rounding!r}")

    deviations = strategy.get("deviations", "none")
    entries: list[dict[str, Any]]
    if deviations == "none":
        entries = []
    elif isinstance(deviations, str):
        data = _load_json("deviations", f"{deviations}.json")
        entries = data["h17" if rules["dealer_hits_soft_17"] else "s17"]
    else:
        entries = list(deviations)
    if entries and count is None:
        raise ConfigError("deviations need a count")
    indices: dict[tuple[str, str, int, int], IndexEntry] = {}
    for entry in entries:
        key, value = _parse_index(entry)
        if key in indices:
            raise ConfigError(f"two index plays for the same decision: {entry}")
        indices[key] = value

    betting = config.get("betting", {})
    _check_keys("betting", betting, {"unit", "ramp"})
    ramp = [(float(c), float(u)) for c, u in betting.get("ramp") or []]
    if ramp and count is None:
        raise ConfigError("a ramp needs a count")

    return Setup(
        decks=decks,
        h17=bool(rules["dealer_hits_soft_17"]),
        blackjack_pays=float(rules["blackjack_pays"]),
        double=rules["double"],
        das=das,
        max_split_hands=rules["max_split_hands"],
        resplit_aces=bool(rules["resplit_aces"]),
        hit_split_aces=bool(rules["hit_split_aces"]),
        late_surrender=rules["surrender"] == "late",
        penetration=rules["penetration"],
        seats=seats,
        position=position,
        hard={int(k): v for k, v in chart["hard"].items()},
        soft={int(k): v for k, v in chart["soft"].items()},
        pairs={_rank(k): [resolve_pd(c) for c in v] for k, v in chart["pairs"].items()},
        sur_hard={int(k): v for k, v in surrender_chart.get("hard", {}).items()},
        sur_soft={int(k): v for k, v in surrender_chart.get("soft", {}).items()},
        sur_pairs={_rank(k): v for k, v in surrender_chart.get("pairs", {}).items()},
        counting=count is not None,
        tags2=tags2,
        red_sevens=red_sevens,
        balanced=balanced,
        irc2=irc2,
        estimation=estimation,
        rounding=rounding,
        indices=indices,
        ramp=ramp,
    )


# ---------------------------------------------------------------------------------------------
# the game


class Hand:
    __slots__ = ("cards", "doubled", "natural", "split", "split_aces", "surrendered")

    def __init__(self, cards: list[int]) -> None:
        self.cards = cards
        self.doubled = False
        self.natural = False
        self.split = False
        self.split_aces = False
        self.surrendered = False

    def live(self) -> bool:
        return not (self.surrendered or self.natural or hand_value(self.cards)[0] > 21)


def is_natural(a: int, b: int) -> bool:
    return a + b == 11 and (a == ACE or b == ACE)


def settle(hand: Hand, bet: float, dealer: int, blackjack_pays: float) -> float:
    """Our net on one hand when the dealer has no blackjack (``dealer``: the dealer's final
    total, above 21 if busted)."""
    if hand.surrendered:
        return -bet / 2
    if hand.natural:
        return blackjack_pays * bet
    stake = 2 * bet if hand.doubled else bet
    total = hand_value(hand.cards)[0]
    if total > 21:
        return -stake
    if dealer > 21 or total > dealer:
        return stake
    return -stake if total < dealer else 0.0


def dealer_play(cards: list[int], h17: bool, draw: Any) -> int:
    """Draw to the dealer's hand by the rules; the final total."""
    while True:
        total, soft = hand_value(cards)
        if total < 17 or (total == 17 and soft and h17):
            cards.append(draw())
        else:
            return total


def build_shoe(setup: Setup) -> list[int]:
    deck: list[int] = []
    for code in range(1, 10):
        if code == 7 and setup.red_sevens:
            deck += [7, 7, RED_SEVEN, RED_SEVEN]
        else:
            deck += [code] * 4
    deck += [TEN] * 16
    return deck * setup.decks


class Game:
    """One table, dealt from one shoe with one random stream."""

    def __init__(self, setup: Setup, rng: random.Random) -> None:
        self.s = setup
        self.rng = rng
        self.full = build_shoe(setup)
        self.cut = round(setup.penetration * 52 * setup.decks)
        self.stock: list[int] = []  # empty: the first round shuffles
        self.rc2 = setup.irc2
        self.on_table: list[int] = []  # codes of the face-up cards of this round
        self.hole: int | None = None  # code of the hole card while it is face down
        self.mid_round_shuffles = 0
        self.events = dict.fromkeys(EVENTS, 0)
        """Running totals of our seat's events (see EVENTS)."""

    # -- cards and the count ------------------------------------------------------------------

    def draw(self, face_up: bool = True) -> int:
        if not self.stock:
            self._reshuffle_discards()
        code = self.stock.pop()
        if face_up:
            self.rc2 += self.s.tags2[code]
            self.on_table.append(code)
        else:
            self.hole = code
        return RANK_OF[code]

    def _reshuffle_discards(self) -> None:
        """The shoe ran out mid-round: every card not on the table becomes the new stock."""
        rest = list(self.full)
        for code in self.on_table:
            rest.remove(code)
        if self.hole is not None:
            rest.remove(self.hole)
        if not rest:
            raise RuntimeError("no cards left to reshuffle")
        self.rng.shuffle(rest)
        self.stock = rest
        self.rc2 = self.s.irc2 + sum(self.s.tags2[c] for c in self.on_table)
        self.mid_round_shuffles += 1

    def count(self) -> int:
        s = self.s
        if not s.balanced:
            return self.rc2 // 2
        unseen = len(self.stock) + (self.hole is not None)
        return true_count_half_points(self.rc2, unseen, s.estimation, s.rounding)

    def decide(self, cell: str, key: tuple[str, str, int, int]) -> str:
        """The chart's ``cell`` for our seat, with the index play for ``key`` applied."""
        entry = self.s.indices.get(key)
        if entry is None:
            return cell
        c = self.count()
        if (c >= entry.threshold) == entry.at_or_above:
            return entry.action
        return OPPOSITE[entry.action] if cell == entry.action else cell

    # -- decisions -----------------------------------------------------------------------------

    def surrenders(self, cards: list[int], up: int, ours: bool) -> bool:
        s = self.s
        a, b = cards
        col = COLUMN[up]
        if a == b and a in s.sur_pairs:
            cell, key = s.sur_pairs[a][col], ("sur", "pair", a, up)
        else:
            total, soft = hand_value(cards)
            row = (s.sur_soft if soft else s.sur_hard).get(total)
            cell = row[col] if row else "-"
            key = ("sur", "soft" if soft else "hard", total, up)
        if ours:
            cell = self.decide(cell, key)
            self.events["surrender"] += cell == "R"
        return cell == "R"

    def play_hand(self, hand: Hand, hands: list[Hand], up: int, ours: bool) -> None:
        s = self.s
        col = COLUMN[up]
        cards = hand.cards
        while True:
            total, soft = hand_value(cards)
            if total >= 21:
                return
            two = len(cards) == 2
            if (
                two
                and cards[0] == cards[1]
                and len(hands) < s.max_split_hands
                and (cards[0] != ACE or not hand.split_aces or s.resplit_aces)
            ):
                rank = cards[0]
                cell = s.pairs[rank][col]
                if ours:
                    cell = self.decide(cell, ("pair", "pair", rank, up))
                if cell == "P":
                    if ours:
                        self.events["split"] += 1
                    new = Hand([cards.pop()])
                    new.split = hand.split = True
                    new.split_aces = hand.split_aces = rank == ACE
                    hands.append(new)
                    cards.append(self.draw())
                    continue
            if hand.split_aces and not s.hit_split_aces:
                return
            kind = "soft" if soft else "hard"
            cell = (s.soft if soft else s.hard)[total][col]
            if ours:
                cell = self.decide(cell, ("play", kind, total, up))
            if cell in ("D", "Ds"):
                if two and (s.das or not hand.split) and s.may_double(total, soft):
                    if ours:
                        self.events["double"] += 1
                    hand.doubled = True
                    cards.append(self.draw())
                    return
                cell = "H" if cell == "D" else "S"
            if cell == "S":
                return
            cards.append(self.draw())

    def play_seat(self, first: int, second: int, up: int, ours: bool) -> list[Hand]:
        hand = Hand([first, second])
        hands = [hand]
        if is_natural(first, second):
            hand.natural = True
            return hands
        if self.s.late_surrender and self.surrenders(hand.cards, up, ours):
            hand.surrendered = True
            return hands
        i = 0
        while i < len(hands):
            hand = hands[i]
            if len(hand.cards) == 1:
                hand.cards.append(self.draw())
            self.play_hand(hand, hands, up, ours)
            i += 1
        return hands

    # -- a round -------------------------------------------------------------------------------

    def play_round(self) -> tuple[int, float, float]:
        """Play one round: (count at the bet, our initial bet, our net), in units."""
        s = self.s
        if len(self.full) - len(self.stock) >= self.cut:
            self.stock = list(self.full)
            self.rng.shuffle(self.stock)
            self.rc2 = s.irc2
        self.on_table = []
        self.hole = None
        count = self.count() if s.counting else 0
        bet = s.bet(count)

        draw = self.draw
        firsts = [draw() for _ in range(s.seats)]
        up = draw()
        seconds = [draw() for _ in range(s.seats)]
        hole = draw(face_up=False)
        ours = s.position - 1

        net = 0.0
        events = self.events
        natural = is_natural(firsts[ours], seconds[ours])
        events["blackjack"] += natural
        if up == ACE:
            events["insurance_offered"] += 1
            if self.decide("-", ("ins", "insurance", 0, ACE)) == "I":
                events["insurance_taken"] += 1
                net += bet if hole == TEN else -bet / 2
        if up in (ACE, TEN) and is_natural(up, hole):
            events["dealer_blackjack"] += 1
            if not natural:
                net -= bet
            self._turn_hole()
            return self._result(count, bet, net)

        seats = [self.play_seat(firsts[i], seconds[i], up, i == ours) for i in range(s.seats)]
        dealer = [up, hole]
        if any(h.live() for hands in seats for h in hands):
            dealer_total = dealer_play(dealer, s.h17, draw)
        else:
            dealer_total = hand_value(dealer)[0]
        self._turn_hole()
        for hand in seats[ours]:
            net += settle(hand, bet, dealer_total, s.blackjack_pays)
            events["bust"] += hand_value(hand.cards)[0] > 21
        return self._result(count, bet, net)

    def _result(self, count: int, bet: float, net: float) -> tuple[int, float, float]:
        self.events["win" if net > 0 else "loss" if net < 0 else "push"] += 1
        return count, bet, net

    def _turn_hole(self) -> None:
        assert self.hole is not None
        self.rc2 += self.s.tags2[self.hole]
        self.on_table.append(self.hole)
        self.hole = None


# ---------------------------------------------------------------------------------------------
# statistics

FIELDS = ("rounds", "net", "net_sq", "initial", "initial_sq", "net_x_initial")
EVENTS = (
    "win",
    "loss",
    "push",
    "blackjack",
    "dealer_blackjack",
    "bust",
    "double",
    "split",
    "surrender",
    "insurance_offered",
    "insurance_taken",
)
"""Our seat's events, counted like the engine's ``frequencies`` (per round: win, loss, push by
the round's net; our natural; the dealer's blackjack; our surrender; insurance offered and
taken; and counts of our busted hands, doubles and splits)."""


@dataclass
class Block:
    """Sums over consecutive rounds: FIELDS in total and by the count at the bet."""

    total: list[float] = field(default_factory=lambda: [0.0] * 6)
    by_count: dict[int, list[float]] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)

    def add(self, count: int, bet: float, net: float) -> None:
        for sums in (self.total, self.by_count.setdefault(count, [0.0] * 6)):
            sums[0] += 1
            sums[1] += net
            sums[2] += net * net
            sums[3] += bet
            sums[4] += bet * bet
            sums[5] += net * bet


@dataclass
class RefResult:
    blocks: list[Block]
    mid_round_shuffles: int = 0

    @property
    def rounds(self) -> int:
        return int(sum(b.total[0] for b in self.blocks))

    @classmethod
    def merge(cls, parts: list[RefResult]) -> RefResult:
        return cls(
            blocks=[b for p in parts for b in p.blocks],
            mid_round_shuffles=sum(p.mid_round_shuffles for p in parts),
        )


def play(config: dict[str, Any], rounds: int, seed: int | str, blocks: int = 50) -> RefResult:
    """Play ``rounds`` rounds of ``config`` with ``random.Random(seed)``, in ``blocks``
    consecutive blocks (one shoe throughout: a block may start mid-shoe)."""
    game = Game(parse_config(config), random.Random(seed))
    blocks = max(1, min(blocks, rounds))
    out = []
    for b in range(blocks):
        block = Block()
        before = dict(game.events)
        for _ in range(rounds * (b + 1) // blocks - rounds * b // blocks):
            block.add(*game.play_round())
        block.events = {k: game.events[k] - before[k] for k in EVENTS}
        out.append(block)
    return RefResult(out, game.mid_round_shuffles)


@dataclass(frozen=True)
class Estimate:
    value: float
    se: float
    n: int
    """Rounds behind the estimate."""


def _ratio(ys: list[float], xs: list[float]) -> tuple[float, float]:
    """sum(ys) / sum(xs) and its batch-means (delta method) standard error."""
    sx = sum(xs)
    r = sum(ys) / sx
    k = len(xs)
    if k < 2:
        return r, math.nan
    resid = sum((y - r * x) ** 2 for y, x in zip(ys, xs, strict=True))
    return r, math.sqrt(k / (k - 1) * resid) / abs(sx)


def estimates(result: RefResult, min_rounds: int = 1) -> dict[str, Estimate]:
    """Every compared statistic with its standard error over the blocks: ``win_per_100``,
    ``sd_per_100``, ``avg_bet``, ``ev`` and, per count at the bet with at least
    ``min_rounds`` rounds, ``frequency[c]`` and ``ev[c]``."""
    blocks = result.blocks
    k = len(blocks)
    R = [b.total[0] for b in blocks]
    S1 = [b.total[1] for b in blocks]
    S2 = [b.total[2] for b in blocks]
    INIT = [b.total[3] for b in blocks]
    n = int(sum(R))
    out: dict[str, Estimate] = {}

    win, win_se = _ratio(S1, R)
    out["win_per_100"] = Estimate(100 * win, 100 * win_se, n)
    bet, bet_se = _ratio(INIT, R)
    out["avg_bet"] = Estimate(bet, bet_se, n)
    ev, ev_se = _ratio(S1, INIT)
    out["ev"] = Estimate(ev, ev_se, n)

    m1, m2 = sum(S1) / n, sum(S2) / n
    sd = math.sqrt(m2 - m1 * m1)
    g1, g2 = -10 * m1 / sd, 5 / sd
    resid = sum(
        (g1 * (s1 - m1 * r) + g2 * (s2 - m2 * r)) ** 2 for s1, s2, r in zip(S1, S2, R, strict=True)
    )
    out["sd_per_100"] = Estimate(10 * sd, math.sqrt(k / (k - 1) * resid) / n, n)

    for name in EVENTS:
        f, f_se = _ratio([b.events[name] for b in blocks], R)
        out[f"freq.{name}"] = Estimate(f, f_se, n)

    counts = sorted({c for b in blocks for c in b.by_count})
    for c in counts:
        rows = [b.by_count.get(c, [0.0] * 6) for b in blocks]
        nc = int(sum(r[0] for r in rows))
        if nc < min_rounds:
            continue
        f, f_se = _ratio([r[0] for r in rows], R)
        out[f"frequency[{c:+d}]"] = Estimate(f, f_se, nc)
        e, e_se = _ratio([r[1] for r in rows], [r[3] for r in rows])
        out[f"ev[{c:+d}]"] = Estimate(e, e_se, nc)
    return out
