"""The run screen: pick a simulation profile, override its rounds and seed, and run it on the
platform (``ctrl+r``; here when no platform answers) or on this machine (``ctrl+l``). The
hydrated config is checked as the fields change, so a run that cannot start says why before
it is tried; the progress of the run started here shows below."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, OptionList, ProgressBar, Static

from jost.contracts import SimulationConfig
from jost.profiles.hydrate import hydrate
from jost.profiles.store import ProfileError
from jost.terminal.tracked import TrackedJob
from jost.terminal.widgets.simulations import SimulationList


def describe(config: SimulationConfig) -> str:
    """The config in two lines a player reads at a glance."""
    r = config.rules
    strategy = config.strategy
    count = strategy.count
    system = (
        "no count"
        if count is None
        else f"count {getattr(count.system, 'name', '') or count.system}"
    )
    playing = strategy.playing if isinstance(strategy.playing, str) else "own chart"
    shards = -(-config.rounds // config.shard_rounds)
    return (
        f"{r.decks}D {'H17' if r.dealer_hits_soft_17 else 'S17'}"
        f"{' DAS' if r.double_after_split else ''} {r.blackjack_pays:g}:1 "
        f"{r.surrender} surrender, pen {r.penetration:g}; {playing}, {system}\n"
        f"{config.rounds:,} rounds in {shards:,} shard{'s' if shards > 1 else ''} "
        f"of {config.shard_rounds:,}, seed {config.seed}"
    )


def override(text: str) -> int | None:
    """A whole number typed to override a profile's (``1,000,000`` and ``1_000_000`` read
    as ``1000000``); None when nothing is typed."""
    value = text.strip().replace(",", "").replace("_", "")
    return int(value) if value else None


class RunScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "run", "Run"),
        Binding("ctrl+l", "run(True)", "Run locally"),
    ]
    DEFAULT_CSS = """
    RunScreen #sims { width: 34; border-right: solid $primary; }
    RunScreen #form { padding: 0 1; }
    RunScreen .row { height: 3; }
    RunScreen .row Label { width: 8; padding: 1 0; }
    RunScreen .row Input { width: 1fr; }
    RunScreen #plan { height: auto; min-height: 2; margin: 1 0; }
    RunScreen #plan.invalid { color: $error; }
    RunScreen #progress { margin: 1 0 0 0; }
    RunScreen #state { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.launched: str | None = None
        """The key of the last run started here: its progress shows, its results open."""
        self.problem = ""
        """Why the config shown cannot run (empty when it can)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield SimulationList(id="sims")
            with Vertical(id="form"):
                with Horizontal(classes="row"):
                    yield Label("rounds")
                    yield Input(id="rounds", type="integer", placeholder="the profile's")
                with Horizontal(classes="row"):
                    yield Label("seed")
                    yield Input(id="seed", type="integer", placeholder="the profile's")
                yield Static("", id="plan")
                yield ProgressBar(id="progress", show_eta=False)
                yield Static("", id="state")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.job_changed.subscribe(self, self._job_changed)
        self.app.profiles_changed.subscribe(self, lambda _: self.reload())
        self.query_one("#sims", OptionList).focus()
        # shown once a run starts: with no total it would pulse, saying nothing
        self.query_one("#progress", ProgressBar).display = False

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.query_one("#sims", SimulationList).reload(self.app.store)
        self.check()

    def chosen(self) -> str | None:
        return self.query_one("#sims", SimulationList).chosen

    def choose(self, name: str) -> None:
        """Highlight simulation profile ``name`` (for the keyboard-less: tests, callers)."""
        self.query_one("#sims", SimulationList).choose(name)

    def _override(self, field: str) -> int | None:
        return override(self.query_one(f"#{field}", Input).value)

    def hydrated(self) -> SimulationConfig:
        """The config that would run; ``ProfileError`` or ``ValueError`` says why not."""
        name = self.chosen()
        if name is None:
            raise ProfileError("no simulation profile: make one on the profiles screen (F1)")
        return hydrate(
            self.app.store, name, rounds=self._override("rounds"), seed=self._override("seed")
        )

    @on(OptionList.OptionHighlighted, "#sims")
    @on(Input.Changed)
    def check(self) -> SimulationConfig | None:
        plan = self.query_one("#plan", Static)
        try:
            config = self.hydrated()
        except (ProfileError, ValueError) as exc:
            self.problem = str(exc)
            plan.add_class("invalid")
            plan.update(f"✗ {exc}")
            return None
        self.problem = ""
        plan.remove_class("invalid")
        where = self.app.url or "no platform address: runs locally"
        plan.update(f"{describe(config)}\nplatform: {where}")
        return config

    @on(Input.Submitted)
    @on(OptionList.OptionSelected, "#sims")
    def _enter(self) -> None:
        self.action_run()

    def action_run(self, local: bool = False) -> None:
        config = self.check()
        if config is None:
            self.notify(f"cannot run: {self.problem}", severity="error")
            return
        job = self.app.start_run(self.chosen(), config, local=local)
        self.launched = job.key
        self.show(job)

    def _job_changed(self, job: TrackedJob) -> None:
        if job.key != self.launched:
            return
        if job.replaced_by is not None:
            # no platform answered: the same run goes on here
            self.launched = job.replaced_by
            job = self.app.jobs[job.replaced_by]
        self.show(job)

    def show(self, job: TrackedJob) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=job.total, progress=job.done)
        where = f"platform job {job.job_id}" if job.job_id else job.where
        text = f"{job.profile}: {job.status} ({where})"
        if job.error:
            text += f"\n{job.error}"
        self.query_one("#state", Static).update(text)
