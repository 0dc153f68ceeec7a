"""A sweep's points: the cartesian product of its axes, each point's config the base with the
axes' fields set, checked as a submitted config is. The one expansion the platform's submit and
the CLI share (pure: contracts and the engine's checks only)."""

from __future__ import annotations

import itertools
from typing import Any

import msgspec

from jost.contracts import SimulationConfig, error_at
from jost.contracts.sweeps import MAX_SWEEP_POINTS, SweepSpec
from jost.engine.errors import ConfigRejected
from jost.engine.validate import check_runnable

_decoder = msgspec.json.Decoder(SimulationConfig)
_encoder = msgspec.json.Encoder()


class Point(msgspec.Struct, frozen=True, kw_only=True):
    index: int
    values: dict[str, Any]
    """Axis path -> this point's value."""
    config: SimulationConfig


def axis_field(path: str, value_index: int | None = None) -> str:
    """Where in a sweep an axis (or one of its values) is: ``$.axes["rules.decks"][1]``."""
    place = f"$.axes[{_encoder.encode(path).decode()}]"
    return place if value_index is None else f"{place}[{value_index}]"


def point_count(spec: SweepSpec) -> int:
    count = 1
    for values in spec.axes.values():
        count *= len(values)
    return count


def expand(spec: SweepSpec) -> list[Point]:
    """Every point of ``spec``, last axis fastest. Raises ``ConfigRejected`` naming the axis
    and the value at fault (``$.axes["rules.decks"][1]``) with the config check's reason, or
    ``$.axes`` for too many points; nothing is partly valid."""
    for path, values in spec.axes.items():
        if not values:
            raise ConfigRejected(axis_field(path), "an axis needs at least one value")
    count = point_count(spec)
    if count > MAX_SWEEP_POINTS:
        raise ConfigRejected(
            "$.axes", f"the axes make {count:,} points; a sweep holds at most {MAX_SWEEP_POINTS:,}"
        )
    base = msgspec.to_builtins(spec.base)
    paths = list(spec.axes)
    points = []
    for index, choice in enumerate(
        itertools.product(*(range(len(values)) for values in spec.axes.values()))
    ):
        values = {path: spec.axes[path][i] for path, i in zip(paths, choice, strict=True)}
        config = _point_config(base, paths, choice, values)
        points.append(Point(index=index, values=values, config=config))
    return points


def _point_config(
    base: dict[str, Any], paths: list[str], choice: tuple[int, ...], values: dict[str, Any]
) -> SimulationConfig:
    doc = msgspec.json.decode(_encoder.encode(base))  # a deep copy
    for path, i in zip(paths, choice, strict=True):
        *parents, leaf = path.split(".")
        node = doc
        for depth, key in enumerate(parents):
            child = node.get(key)
            if child is None:
                child = node[key] = {}
            elif not isinstance(child, dict):
                where = "$." + ".".join(parents[: depth + 1])
                raise ConfigRejected(
                    axis_field(path, i), f"{where} is not an object: {path} names no field"
                )
            node = child
        node[leaf] = values[path]
    try:
        config = _decoder.decode(_encoder.encode(doc))
        check_runnable(config)
    except (msgspec.ValidationError, ConfigRejected) as exc:
        if isinstance(exc, ConfigRejected):
            reason, at = exc.reason, exc.field
        else:
            reason, at = error_at(str(exc))
        axis = _axis_at(paths, at, reason)
        where = axis_field(axis, choice[paths.index(axis)]) if axis else "$.axes"
        text = f"{reason} - at {at}"
        if axis is None:
            text += f" (at the point {', '.join(f'{p}={values[p]!r}' for p in paths)})"
        raise ConfigRejected(where, text) from exc
    return config


def _axis_at(paths: list[str], at: str, reason: str) -> str | None:
    """The axis a config error's place belongs to: the deepest axis holding the place, else
    one the error names below it (an unknown field is reported at its parent: ``$.rules``,
    "unknown field `foo`"), or None when no axis is there."""
    place = at.removeprefix("$").removeprefix(".")
    holding = [
        p
        for p in paths
        if place == p or place.startswith((p + ".", p + "[")) or (not place and "." not in p)
    ]
    if holding:
        return max(holding, key=len)
    below = [p for p in paths if p.startswith(place + ".") if place] or (
        [] if place else list(paths)
    )
    named = [p for p in below if f"`{p.rsplit('.', 1)[-1]}`" in reason]
    return (named or below or [None])[0]
