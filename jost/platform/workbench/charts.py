"""The charts of the job and sweep pages, drawn on the server as SVG: a job's EV (with one
standard error either side) and frequency by true count, in the bands the terminal shows
(``count_bands``: the counts -5..+9 one by one, the rest gathered into the two ends); a
sweep's EV by point with its 95% interval. Plain SVG elements and attributes:
no script, no style sheet, nothing fetched."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from html import escape

from jost.contracts import Summary
from jost.contracts.sweeps import SweepResults, point_label
from jost.engine.bands import CountBand, count_bands

WIDTH = 720
PANEL = 150
"""Height of each of the two panels (EV above, frequency below)."""
_LEFT, _RIGHT, _TOP, _GAP, _BOTTOM = 64, 16, 28, 44, 40
HEIGHT = _TOP + PANEL + _GAP + PANEL + _BOTTOM


def _text(x: float, y: float, body: str, anchor: str = "middle", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(body)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, cls: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{cls}"/>'


def _scale(values: Iterable[float], pad: float = 0.08) -> tuple[float, float]:
    low, high = min(values), max(values)
    if high - low < 1e-12:
        low, high = low - 0.01, high + 0.01
    span = high - low
    return low - pad * span, high + pad * span


def _ev_scale(y: Callable[[float], float], low: float, high: float, digits: int) -> list[str]:
    """An EV panel's zero line and its scale (the ends and 0%, as percentages)."""
    return [
        _line(_LEFT, y(0.0), WIDTH - _RIGHT, y(0.0), "zero"),
        _text(_LEFT - 6, y(high) + 4, f"{high * 100:+.{digits}f}%", "end", "tick"),
        _text(_LEFT - 6, y(low) + 4, f"{low * 100:+.{digits}f}%", "end", "tick"),
        _text(_LEFT - 6, y(0.0) + 4, "0%", "end", "tick"),
    ]


def _ev_panel(bins: list[CountBand], xs: list[float], top: float) -> list[str]:
    low, high = _scale([b.ev - b.ev_stderr for b in bins] + [b.ev + b.ev_stderr for b in bins])
    low, high = min(low, 0.0), max(high, 0.0)

    def y(v: float) -> float:
        return top + PANEL * (high - v) / (high - low)

    parts = [
        _text(_LEFT, top - 10, "EV per initial bet by true count (± 1 SE)", "start", "title"),
        *_ev_scale(y, low, high, 1),
    ]
    for b, x in zip(bins, xs, strict=True):
        parts.append(_line(x, y(b.ev + b.ev_stderr), x, y(b.ev - b.ev_stderr), "whisker"))
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y(b.ev):.1f}" r="3.5" class="ev">'
            f"<title>{escape(b.label)}: EV {b.ev * 100:+.3f}% ± {b.ev_stderr * 100:.3f}%"
            "</title></circle>"
        )
    return parts


def _frequency_panel(bins: list[CountBand], xs: list[float], step: float, top: float) -> list[str]:
    high = max(b.frequency for b in bins) or 1.0
    bottom = top + PANEL
    parts = [
        _text(_LEFT, top - 10, "Frequency (share of rounds dealt)", "start", "title"),
        _line(_LEFT, bottom, WIDTH - _RIGHT, bottom, "axis"),
        _text(_LEFT - 6, top + 4, f"{high * 100:.1f}%", "end", "tick"),
        _text(_LEFT - 6, bottom + 4, "0%", "end", "tick"),
    ]
    width = step * 0.7
    for b, x in zip(bins, xs, strict=True):
        h = PANEL * b.frequency / high
        parts.append(
            f'<rect x="{x - width / 2:.1f}" y="{bottom - h:.1f}" width="{width:.1f}" '
            f'height="{h:.1f}" class="bar"><title>{escape(b.label)}: '
            f"{b.frequency * 100:.2f}% of rounds</title></rect>"
        )
        parts.append(_text(x, bottom + 16, b.label, cls="tick"))
    parts.append(_text((WIDTH + _LEFT) / 2, bottom + 34, "true count", cls="tick"))
    return parts


def count_chart(summary: Summary) -> str | None:
    """The SVG document of ``summary``'s by-count rows; None when the job did not count."""
    bins = count_bands(summary.by_true_count)
    if not bins:
        return None
    step = (WIDTH - _LEFT - _RIGHT) / len(bins)
    xs = [_LEFT + step * (i + 0.5) for i in range(len(bins))]
    body = [
        *_ev_panel(bins, xs, _TOP),
        *_frequency_panel(bins, xs, step, _TOP + PANEL + _GAP),
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" class="count-chart" '
        'aria-label="EV and frequency by true count">' + "".join(body) + "</svg>"
    )


SWEEP_PANEL = 220
_SWEEP_BOTTOM = 84
"""Room under the sweep chart for the points' values (written slanted) and the axes."""
SWEEP_LABELS = 24
"""The most points whose values are written under the sweep chart (every n-th beyond)."""


def sweep_chart(results: SweepResults) -> str | None:
    """The SVG document of a sweep's EV by point with its 95% interval, each point named by
    its axes' values under it; None while no point has completed."""
    done = [r for r in results.rows if r.ev is not None]
    if not done:
        return None
    lows = [r.ev_ci95_low if r.ev_ci95_low is not None else r.ev for r in done]
    highs = [r.ev_ci95_high if r.ev_ci95_high is not None else r.ev for r in done]
    low, high = _scale(lows + highs)
    low, high = min(low, 0.0), max(high, 0.0)
    top, bottom = _TOP, _TOP + SWEEP_PANEL

    def y(v: float) -> float:
        return top + SWEEP_PANEL * (high - v) / (high - low)

    step = (WIDTH - _LEFT - _RIGHT) / len(results.rows)
    every = max(1, math.ceil(len(results.rows) / SWEEP_LABELS))
    parts = [
        _text(_LEFT, top - 10, "EV per initial bet by point (95% interval)", "start", "title"),
        *_ev_scale(y, low, high, 2),
    ]
    for row, lo, hi in zip(done, lows, highs, strict=True):
        x = _LEFT + step * (row.index + 0.5)
        label = point_label(row.values)
        parts.append(_line(x, y(hi), x, y(lo), "whisker"))
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y(row.ev):.1f}" r="3.5" class="ev" '
            f'data-point="{row.index}"><title>{escape(label)}: EV {row.ev * 100:+.3f}% '
            f"[{lo * 100:+.3f}%, {hi * 100:+.3f}%]</title></circle>"
        )
    for row in results.rows[::every]:
        x = _LEFT + step * (row.index + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 14:.1f}" text-anchor="end" class="tick point" '
            f'transform="rotate(-35 {x:.1f} {bottom + 14:.1f})">'
            f"{escape(point_label(row.values))}</text>"
        )
    height = bottom + _SWEEP_BOTTOM
    parts.append(_text((WIDTH + _LEFT) / 2, height - 8, "/".join(results.axes), cls="tick"))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" class="count-chart sweep-chart" '
        'aria-label="EV by point of the sweep">' + "".join(parts) + "</svg>"
    )
