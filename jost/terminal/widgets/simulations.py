"""The simulation profiles to pick from (the run screen's, the sweep form's base): each
profile a line, an invalid one marked, the one picked kept when the list is read again."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from jost.profiles.store import ProfileStore


class SimulationList(OptionList):
    def reload(self, store: ProfileStore) -> None:
        chosen = self.chosen
        entries = store.list("simulation")
        self.set_options(
            Option(e.name if e.valid else f"[red]✗[/] {e.name}", id=e.name) for e in entries
        )
        names = [e.name for e in entries]
        if names:
            self.highlighted = names.index(chosen) if chosen in names else 0

    @property
    def chosen(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None

    def choose(self, name: str) -> None:
        """Highlight profile ``name`` (for the keyboard-less: tests, callers)."""
        self.highlighted = self.get_option_index(name)
