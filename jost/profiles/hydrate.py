"""Hydration: a simulation profile and the profiles it names, made into the one complete
``SimulationConfig`` that is submitted (or run locally): exactly what the platform records.

A chart, count system or index set the player made is put into the config as it is. A default
whose content is the shipped item of that name is put in by name (``"playing": "shoe-h17"``,
``"system": "hi_lo"``, ``"deviations": "illustrious18_fab4"``): the same game, and the config
of a shipped setup reads as it does in ``jost/defaults/profiles/``. A shipped-style index set
(S17 and H17 values) of the player's own is put in with the values for the game's rules.
"""

from __future__ import annotations

from typing import Any

import msgspec

from jost import defaults
from jost.contracts import (
    Chart,
    Count,
    CountSystem,
    DeviationSet,
    IndexPlay,
    Rules,
    SimulationConfig,
    Strategy,
)
from jost.engine.validate import ConfigRejected, check_runnable
from jost.profiles.store import (
    PLAYING_WORDS,
    ProfileError,
    ProfileInvalid,
    ProfileMissing,
    ProfileStore,
    ReferenceInvalid,
    SimulationProfile,
    StrategyProfile,
    invalid_from,
)

_SHIPPED = {
    "chart": ("charts", Chart),
    "count": ("counts", CountSystem),
    "indices": ("deviations", DeviationSet),
}
"""Profile kind -> the folder of ``jost/defaults/`` that ships items of it, and their type."""
_NAMED_AT = {
    "rules": "$.rules",
    "strategy": "$.strategy",
    "betting": "$.betting",
    "chart": "$.playing",
    "count": "$.count",
    "indices": "$.deviations",
}
"""Profile kind -> the field of a simulation or strategy profile that names one."""


def _load_ref(store: ProfileStore, kind: str, name: str, by: tuple[str, str]) -> Any:
    if not store.exists(kind, name):
        raise ProfileMissing(kind, name, store.root, referenced_by=by)
    try:
        return store.load(kind, name)
    except ProfileInvalid as exc:
        raise ReferenceInvalid(_NAMED_AT[kind], kind, name, by, exc) from exc


def _shipped_or_inline(store: ProfileStore, kind: str, name: str, by: tuple[str, str]) -> Any:
    """The shipped item's name when profile ``kind/name`` is a default equal to it, else the
    profile's content."""
    value = _load_ref(store, kind, name, by)
    folder, type_ = _SHIPPED[kind]
    shipped = store.is_default(kind, name) and name in defaults.names(folder)
    if shipped and defaults.load(folder, name, type_, kind) == value:
        return name
    return value


def _strategy(
    store: ProfileStore,
    name: str,
    rules: Rules,
    by: tuple[str, str],
    profile: StrategyProfile | None = None,
) -> Strategy:
    if profile is None:
        profile = _load_ref(store, "strategy", name, by)
    here = ("strategy", name)
    playing: str | Chart = profile.playing
    if playing not in PLAYING_WORDS:
        playing = _shipped_or_inline(store, "chart", profile.playing, here)
    count = None
    if profile.count is not None:
        count = Count(
            system=_shipped_or_inline(store, "count", profile.count, here),
            deck_estimation=profile.deck_estimation,
            rounding=profile.rounding,
        )
    deviations: str | list[IndexPlay] = "none"
    if profile.deviations != "none":
        value = _shipped_or_inline(store, "indices", profile.deviations, here)
        if isinstance(value, DeviationSet):
            value = value.h17 if rules.dealer_hits_soft_17 else value.s17
        deviations = value
    try:
        return Strategy(playing=playing, count=count, deviations=deviations)
    except (ValueError, msgspec.ValidationError) as exc:
        raise ProfileInvalid(
            "$", str(exc), kind="strategy", name=name, path=store.path("strategy", name)
        ) from exc


def check_strategy(store: ProfileStore, name: str, profile: StrategyProfile | None = None) -> None:
    """A strategy on its own (``profile``, else the saved one): the profiles it names exist
    and it runs in the default game (a shipped index set must belong to the count system
    named, for instance)."""
    strategy = _strategy(store, name, Rules(), by=("strategy", name), profile=profile)
    try:
        check_runnable(SimulationConfig(strategy=strategy, rounds=1_000, shard_rounds=1_000))
    except ConfigRejected as exc:
        field = exc.field.replace("$.strategy", "$", 1)
        raise ProfileInvalid(
            field, exc.reason, kind="strategy", name=name, path=store.path("strategy", name)
        ) from exc


def hydrate(
    store: ProfileStore, name: str, *, rounds: int | None = None, seed: int | None = None
) -> SimulationConfig:
    """The complete config of simulation profile ``name`` (``rounds``/``seed`` override the
    profile's). Raises ``ProfileMissing`` naming a missing profile and who names it, and
    ``ProfileInvalid`` naming the file and field at fault; the config it returns passes
    ``check_runnable``, the check the platform's submit makes."""
    return hydrate_profile(store, name, store.load("simulation", name), rounds=rounds, seed=seed)


def hydrate_profile(
    store: ProfileStore,
    name: str,
    sim: SimulationProfile,
    *,
    rounds: int | None = None,
    seed: int | None = None,
) -> SimulationConfig:
    """``hydrate`` of a simulation profile not (yet) saved as ``name``."""
    here = ("simulation", name)
    rules = _load_ref(store, "rules", sim.rules, here).rules
    try:
        strategy = _strategy(store, sim.strategy, rules, here)
    except ProfileError as exc:
        said = (isinstance(exc, ProfileMissing) and exc.referenced_by == here) or (
            isinstance(exc, ProfileInvalid) and exc.kind == "simulation"
        )
        if said:  # the strategy profile missing, or its file invalid: said of this profile
            raise
        # the strategy's own error (a profile it names is missing or invalid, say), which
        # the strategy's check says too: here it is said of the simulation naming it
        raise ReferenceInvalid("$.strategy", "strategy", sim.strategy, here, exc) from exc
    betting = _load_ref(store, "betting", sim.betting, here).betting
    raw = {
        "rules": rules,
        "strategy": strategy,
        "betting": betting,
        "table": sim.table,
        "rounds": sim.rounds if rounds is None else rounds,
        "seed": sim.seed if seed is None else seed,
        "shard_rounds": sim.shard_rounds,
    }
    if sim.bankroll is not None:
        raw["bankroll"] = sim.bankroll
    try:
        # Through builtins so every bound is checked as on decoding (a constructor skips them).
        config = msgspec.convert(msgspec.to_builtins(raw), SimulationConfig)
        check_runnable(config)
    except (msgspec.ValidationError, ConfigRejected) as exc:
        raise _blame(store, sim, name, exc) from exc
    return config


def _blame(
    store: ProfileStore, sim: SimulationProfile, name: str, exc: Exception
) -> ProfileInvalid:
    """The profile file a config error belongs to: ``$.rules.*`` is the rules profile's
    (which holds ``rules`` at the same path), ``$.betting.*`` the betting profile's,
    ``$.strategy.*`` the strategy profile's; anything else the simulation's."""
    if isinstance(exc, ConfigRejected):
        error = ProfileInvalid(exc.field, exc.reason)
    else:
        error = invalid_from(exc)
    field = error.field
    for kind, ref in (("rules", sim.rules), ("betting", sim.betting), ("strategy", sim.strategy)):
        prefix = f"$.{kind}"
        if field == prefix or field.startswith(prefix + "."):
            if kind == "strategy":
                field = "$" + field[len(prefix) :]
            return ProfileInvalid(
                field,
                f"{error.reason} (in simulation {name!r})",
                kind=kind,
                name=ref,
                path=store.path(kind, ref),
            )
    return ProfileInvalid(
        field, error.reason, kind="simulation", name=name, path=store.path("simulation", name)
    )
