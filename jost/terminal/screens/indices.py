"""The indices screen: pick a simulation profile that keeps a count, generate the index plays
of its rules, chart and count on the platform (``ctrl+r``: ``POST /api/indices/``, the same
analysis as ``jost indices``), watch the compositions done, read the plays as a table (hand,
upcard, action, index, apply), and save them (``ctrl+s``) as an indices profile that the
simulation's strategy profile names in ``deviations`` (a default strategy, read-only, is
copied to ``STRATEGY-generated`` first)."""

from __future__ import annotations

import time
from typing import ClassVar

import msgspec
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from jost.contracts.indices import AnalysisStatus, GeneratedIndices, IndicesRequest
from jost.profiles.hydrate import hydrate
from jost.profiles.store import ProfileError, ProfileStore
from jost.terminal.client import PlatformClient, PlatformError
from jost.terminal.screens.threads import on_screen

POLL_SECONDS = 0.5


class IndicesScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "generate", "Generate"),
        Binding("ctrl+s", "save", "Save to strategy"),
    ]
    DEFAULT_CSS = """
    IndicesScreen #counted { width: 34; border-right: solid $primary; }
    IndicesScreen #form { padding: 0 1; }
    IndicesScreen .row { height: 3; }
    IndicesScreen .row Label { width: 10; padding: 1 0; }
    IndicesScreen .row Input { width: 1fr; }
    IndicesScreen #state { height: auto; margin: 1 0 0 0; }
    IndicesScreen #plays { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.result: GeneratedIndices | None = None
        self.source: str | None = None
        """The simulation profile the result was generated for."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield OptionList(id="counted")
            with Vertical(id="form"):
                with Horizontal(classes="row"):
                    yield Label("per count")
                    yield Input("12", id="per_count", type="integer")
                with Horizontal(classes="row"):
                    yield Label("seed")
                    yield Input("2026", id="seed", type="integer")
                yield Static("", id="state")
                yield ProgressBar(id="progress", show_eta=False)
                yield DataTable(id="plays", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.profiles_changed.subscribe(self, lambda _: self.reload())
        plays = self.query_one("#plays", DataTable)
        plays.add_columns("hand", "upcard", "action", "index", "apply")
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#counted", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """The simulation profiles whose strategy keeps a count (what an analysis needs)."""
        counted = []
        for entry in self.app.store.list("simulation"):
            try:
                config = hydrate(self.app.store, entry.name)
            except ProfileError:
                continue
            if config.strategy.count is not None:
                counted.append(entry.name)
        options = self.query_one("#counted", OptionList)
        options.set_options(Option(name, id=name) for name in counted)
        if counted:
            options.highlighted = 0
        if not counted:
            self._say("no simulation profile keeps a count: index plays need one")

    def chosen(self) -> str | None:
        option = self.query_one("#counted", OptionList).highlighted_option
        return option.id if option is not None else None

    def choose(self, name: str) -> None:
        """Highlight simulation profile ``name`` (for the keyboard-less: tests, callers)."""
        options = self.query_one("#counted", OptionList)
        options.highlighted = options.get_option_index(name)

    def _say(self, text: str) -> None:
        self.query_one("#state", Static).update(text)

    def _number(self, field: str) -> int:
        return int(self.query_one(f"#{field}", Input).value.strip() or 0)

    def action_generate(self) -> None:
        name = self.chosen()
        if name is None:
            self.notify("choose a simulation profile that keeps a count", severity="warning")
            return
        if not self.app.url:
            self.notify("index generation runs on the platform: no address", severity="error")
            return
        try:
            request = IndicesRequest(
                config=hydrate(self.app.store, name),
                per_count=self._number("per_count"),
                seed=self._number("seed"),
            )
        except (ProfileError, ValueError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.result, self.source = None, name
        self.query_one("#plays", DataTable).clear()
        self._say(f"{name}: submitting…")
        self._follow(request)

    @work(thread=True, exclusive=True, group="indices")
    def _follow(self, request: IndicesRequest) -> None:
        try:
            with PlatformClient(self.app.url, self.app.token) as client:
                analysis_id = client.submit_indices(request).analysis_id
                while True:
                    status = client.analysis(analysis_id)
                    on_screen(self, self._show, status)
                    if status.status in ("completed", "failed"):
                        return
                    time.sleep(POLL_SECONDS)
        except PlatformError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            on_screen(self, self._say, f"not generated: {exc}")

    def _show(self, status: AnalysisStatus) -> None:
        bar = self.query_one("#progress", ProgressBar)
        if status.compositions_total:
            bar.display = True
            bar.update(total=status.compositions_total, progress=status.compositions_done)
        if status.status == "failed":
            self._say(f"failed: {status.error}")
            return
        if status.status != "completed" or status.result is None:
            total = status.compositions_total or "?"
            self._say(
                f"{self.source}: {status.status}, {status.compositions_done}/{total} "
                "compositions analysed"
            )
            return
        self.result = status.result
        table = self.query_one("#plays", DataTable)
        table.clear()
        for play in status.result.deviations:
            index = f"{play.index:+g}"
            table.add_row(play.hand, play.upcard, play.action, index, play.apply)
        self._say(
            f"{self.source}: {len(status.result.deviations)} index plays on the "
            f"{status.result.count_kind} ({status.result.count_system}, "
            f"{status.result.compositions} compositions); ctrl+s saves them"
        )

    @on(OptionList.OptionHighlighted, "#counted")
    def _chosen(self) -> None:
        if self.result is None:
            self._say(f"{self.chosen()}: ctrl+r generates its index plays on the platform")

    def action_save(self) -> None:
        if self.result is None or self.source is None:
            self.notify("generate index plays first (ctrl+r)", severity="warning")
            return
        try:
            saved = save_to_strategy(self.app.store, self.source, self.result)
        except ProfileError as exc:
            self.notify(str(exc), severity="error")
            return
        self.app.profiles_changed.publish(None)
        self.notify(saved)


def save_to_strategy(store: ProfileStore, simulation: str, result: GeneratedIndices) -> str:
    """Save ``result``'s plays as indices profile ``SIMULATION-generated`` and name it in the
    deviations of the simulation's strategy profile (a default one copied to
    ``STRATEGY-generated``); returns what was saved."""
    indices = f"{simulation}-generated"
    store.save("indices", indices, msgspec.json.encode(result.deviations))
    strategy_name = store.load("simulation", simulation).strategy
    strategy = msgspec.structs.replace(store.load("strategy", strategy_name), deviations=indices)
    default = store.is_default("strategy", strategy_name)
    target = f"{strategy_name}-generated" if default else strategy_name
    store.save("strategy", target, msgspec.json.encode(strategy))
    return f"saved indices/{indices} and strategy/{target} (deviations: {indices})"
