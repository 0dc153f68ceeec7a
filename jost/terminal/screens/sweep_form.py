"""A new sweep: a simulation profile as the base (hydrated as the run screen hydrates it, its
rounds and seed overridden if typed), a name, and axes, each a config path and its values
written comma-separated as JSON (``0.7, 0.8``, ``2, 6``, ``[[1,1],[2,4]], [[1,2],[2,8]]``;
bare words such as ``late, none`` are read as strings). The points are counted and every
point's config is checked as the platform checks it while the fields change, a problem shown
under the axis it belongs to; ``ctrl+r`` submits it. A refusal from the platform naming an
axis shows there too."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, ClassVar

import msgspec
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, OptionList, Static

from jost.contracts import SimulationConfig
from jost.contracts.sweeps import AXIS_PATH_PATTERN, MAX_SWEEP_POINTS, SweepSpec
from jost.engine.errors import ConfigRejected
from jost.engine.sweep import expand, point_count
from jost.profiles.hydrate import hydrate
from jost.profiles.store import ProfileError
from jost.terminal.client import PlatformClient, PlatformRefused, PlatformUnavailable
from jost.terminal.screens.run import describe, override
from jost.terminal.widgets.simulations import SimulationList

MAX_AXES = 6
INLINE_POINTS = 200
"""The most points checked on the UI thread as a key changes the form (more: a worker)."""
_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.+-]*$")
_AXIS_FIELD = re.compile(r'^\$\.axes\[("(?:[^"\\]|\\.)*")\](?:\[(\d+)\])?')


class AxisError(ValueError):
    """An axis the player wrote that is not one; ``part`` is ``path`` or ``values``."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part


def parse_values(text: str) -> list[Any]:
    """An axis's values from what the player typed: JSON values separated by commas (the
    text inside a JSON list), or bare words read as strings."""
    text = text.strip()
    if not text:
        raise AxisError("values", "give the values, comma-separated: 0.7, 0.8")
    try:
        return json.loads(f"[{text}]")
    except json.JSONDecodeError as exc:
        words = [w.strip() for w in text.split(",")]
        if all(_WORD.match(w) for w in words):
            return words
        raise AxisError(
            "values", f"not JSON values ({exc.msg}, column {exc.colno - 1}): e.g. 0.7, 0.8"
        ) from None


def check_path(path: str) -> str:
    path = path.strip()
    if not re.match(AXIS_PATH_PATTERN, path):
        raise AxisError("path", "a config field by its dotted path: rules.penetration")
    return path


def axis_of_field(field: str | None) -> tuple[str | None, int | None]:
    """The axis path and value index a problem's field names (``$.axes["rules.decks"][1]``):
    (None, None) when it names no axis, (path, None) when no value."""
    match = _AXIS_FIELD.match(field or "")
    if not match:
        return None, None
    return json.loads(match.group(1)), int(match.group(2)) if match.group(2) else None


class AxisRow(Vertical):
    """One axis: its path, its values, and what is wrong with them."""

    DEFAULT_CSS = """
    AxisRow { height: auto; }
    AxisRow Horizontal { height: 3; }
    AxisRow .path { width: 24; }
    AxisRow .values { width: 1fr; }
    AxisRow .problem { color: $error; height: auto; padding: 0 1; }
    """

    def __init__(self, path: str = "", values: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self._path, self._values = path, values

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Input(self._path, placeholder="rules.penetration", classes="path")
            yield Input(self._values, placeholder="0.7, 0.75, 0.8", classes="values")
        yield Static("", classes="problem")

    def on_mount(self) -> None:
        self.say(None)

    @property
    def path(self) -> str:
        return self.query_one(".path", Input).value.strip()

    @property
    def values_text(self) -> str:
        return self.query_one(".values", Input).value

    @property
    def blank(self) -> bool:
        return not self.path and not self.values_text.strip()

    def say(self, problem: str | None, part: str = "values") -> None:
        """Show ``problem`` under the row and mark the input it is about (None clears)."""
        note = self.query_one(".problem", Static)
        note.update(f"✗ {problem}" if problem else "")
        note.display = bool(problem)
        for name in ("path", "values"):
            self.query_one(f".{name}", Input).set_class(bool(problem) and part == name, "-invalid")


class SweepFormScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+r", "submit", "Submit"),
        Binding("ctrl+n", "add_axis", "Axis"),
    ]
    DEFAULT_CSS = """
    SweepFormScreen #bases { width: 34; border-right: solid $primary; }
    SweepFormScreen #form { padding: 0 1; }
    SweepFormScreen #overrides { height: 3; margin: 0 0 1 0; }
    SweepFormScreen #overrides Input { width: 1fr; }
    SweepFormScreen #overrides Label { padding: 1 1 0 0; }
    SweepFormScreen #plan { height: auto; min-height: 2; margin: 1 0 0 0; }
    SweepFormScreen #plan.invalid { color: $error; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.problem = ""
        """Why the sweep shown cannot be submitted (empty when it can)."""
        self.points = 0
        self._generation = 0
        """Counts the checks started: a worker's answer to an older one is dropped."""
        self._key: tuple[bytes, str] | None = None
        """The last spec sent and its Idempotency-Key: sent again, the same key."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield SimulationList(id="bases")
            with VerticalScroll(id="form"):
                yield Input(placeholder="name of the sweep (optional)", id="name")
                with Horizontal(id="overrides"):
                    yield Label("rounds")
                    yield Input(id="rounds", type="integer", placeholder="profile's")
                    yield Label("seed")
                    yield Input(id="seed", type="integer", placeholder="profile's")
                yield AxisRow(id="axis-0")
                yield Static("", id="plan")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "new sweep"
        bases = self.query_one("#bases", SimulationList)
        bases.reload(self.app.store)
        bases.focus()
        self.check()

    # -- reading the form ----------------------------------------------------------------

    def rows(self) -> list[AxisRow]:
        """The axis rows (a row being added counts once its inputs are there)."""
        return [row for row in self.query(AxisRow) if row.query(".values")]

    def chosen(self) -> str | None:
        return self.query_one("#bases", SimulationList).chosen

    def choose(self, name: str) -> None:
        self.query_one("#bases", SimulationList).choose(name)

    def base(self) -> SimulationConfig:
        name = self.chosen()
        if name is None:
            raise ProfileError("no simulation profile: make one on the profiles screen (F1)")
        rounds = override(self.query_one("#rounds", Input).value)
        seed = override(self.query_one("#seed", Input).value)
        return hydrate(self.app.store, name, rounds=rounds, seed=seed)

    def axes(self) -> dict[str, list[Any]]:
        """The axes written; ``AxisError`` (its row marked) for the first one that is not."""
        axes: dict[str, list[Any]] = {}
        failed = None
        for row in self.rows():
            if row.blank:
                row.say(None)
                continue
            try:
                path = check_path(row.path)
                if path in axes:
                    raise AxisError("path", f"{path} is an axis already")
                axes[path] = parse_values(row.values_text)
            except AxisError as exc:
                row.say(str(exc), exc.part)
                failed = failed or exc
                continue
            row.say(None)
        if failed:
            raise failed
        if not axes:
            raise AxisError("path", "add an axis: a config path and its values")
        return axes

    def spec(self) -> SweepSpec:
        return SweepSpec(
            base=self.base(),
            axes=self.axes(),
            name=self.query_one("#name", Input).value.strip(),
        )

    def show_problem(self, field: str | None, message: str) -> None:
        """A problem with the sweep: under its axis when the field names one, else on the
        plan."""
        plan = self.query_one("#plan", Static)
        self.problem = message
        path, index = axis_of_field(field)
        row = next((r for r in self.rows() if path and r.path == path), None)
        if row is not None:
            # msgspec's words for a path that names no field, the engine's for one that
            # goes through a value
            part = "path" if "unknown field" in message or "names no field" in message else ""
            if index is not None and not part:
                try:
                    value = parse_values(row.values_text)[index]
                    message = f"value {index + 1} ({json.dumps(value)}): {message}"
                except (AxisError, IndexError):
                    pass
            row.say(message, part or "values")
            plan.update("✗ fix the axis marked above")
        else:
            plan.update(f"✗ {message}" + (f" - at {field}" if field else ""))
        plan.add_class("invalid")

    @on(OptionList.OptionHighlighted, "#bases")
    @on(Input.Changed)
    def _changed(self) -> None:
        self.check(inline=False)

    def check(self, inline: bool = True) -> SweepSpec | None:
        """The sweep as written, every point checked; None (the problem shown) if not. A
        sweep of more than ``INLINE_POINTS`` points changed by a key is checked by a worker
        (``inline=False``; 1,000 points take about 0.4 s): the keys never wait for it."""
        plan = self.query_one("#plan", Static)
        self._generation += 1
        try:
            spec = self.spec()
            self.points = point_count(spec)
            if not inline and INLINE_POINTS < self.points <= MAX_SWEEP_POINTS:
                self.problem = f"{self.points:,} points are being checked"
                plan.remove_class("invalid")
                plan.update(f"{self.points:,} points: checking each…")
                self._check_apart(spec, self._generation)
                return None
            expand(spec)
        except AxisError as exc:
            self.problem = str(exc)
            plan.update("✗ fix the axis marked above" if self.rows() else f"✗ {exc}")
            plan.add_class("invalid")
            return None
        except ConfigRejected as exc:
            self.show_problem(exc.field, exc.reason)
            return None
        except (ProfileError, ValueError) as exc:
            self.problem = str(exc)
            plan.update(f"✗ {exc}")
            plan.add_class("invalid")
            return None
        return self._valid(spec)

    def _valid(self, spec: SweepSpec) -> SweepSpec:
        self.problem = ""
        plan = self.query_one("#plan", Static)
        plan.remove_class("invalid")
        plan.update(
            f"{self.points:,} point{'s' if self.points != 1 else ''} "
            f"({' x '.join(str(len(v)) for v in spec.axes.values())}), each:\n"
            f"{describe(spec.base)}\nplatform: {self.app.url or 'none (jost login)'}"
        )
        return spec

    @work(thread=True, exclusive=True, group="sweep-check")
    def _check_apart(self, spec: SweepSpec, generation: int) -> None:
        try:
            expand(spec)
            refused = None
        except ConfigRejected as exc:
            refused = exc
        self.app.call_from_thread(self._checked_apart, spec, generation, refused)

    def _checked_apart(
        self, spec: SweepSpec, generation: int, refused: ConfigRejected | None
    ) -> None:
        if generation != self._generation:
            return  # the form changed meanwhile: a newer check speaks
        if refused is not None:
            self.show_problem(refused.field, refused.reason)
        else:
            self._valid(spec)

    # -- actions -------------------------------------------------------------------------

    async def action_add_axis(self) -> None:
        rows = self.rows()
        if len(rows) >= MAX_AXES:
            self.notify(f"at most {MAX_AXES} axes here", severity="warning")
            return
        row = AxisRow(id=f"axis-{len(rows)}")
        await self.query_one("#form").mount(row, before=self.query_one("#plan"))
        row.query_one(".path", Input).focus()

    def action_submit(self) -> None:
        spec = self.check()
        if spec is None:
            self.notify(f"cannot submit: {self.problem}", severity="error")
            return
        if not self.app.url:
            self.notify(
                "sweeps run on the platform: give its address (--url, JOST_URL or jost login)",
                severity="error",
            )
            return
        body = msgspec.json.encode(spec)
        if self._key is None or self._key[0] != body:
            self._key = (body, uuid.uuid4().hex)
        self._submit(spec, self._key[1])

    @work(thread=True, exclusive=True, group="sweep-submit")
    def _submit(self, spec: SweepSpec, key: str) -> None:
        try:
            with PlatformClient(self.app.url, self.app.token) as client:
                accepted = client.submit_sweep(spec, idempotency_key=key)
        except PlatformRefused as exc:
            if exc.field == "Idempotency-Key":
                self._key = None
            self.app.call_from_thread(self.show_problem, exc.field, exc.detail)
            self.notify(str(exc), title="sweep not submitted", severity="error", timeout=10)
            return
        except PlatformUnavailable as exc:
            self.notify(f"sweep not submitted: {exc}", severity="error", timeout=10)
            return
        self.app.call_from_thread(self.app.sweep_submitted, accepted.sweep_id, spec)
