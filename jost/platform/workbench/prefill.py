"""The runner's prefill: the standard simulation profiles ``/api/defaults/`` serves, each
hydrated into the complete config it stands for, exactly as the terminal hydrates it."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import msgspec

from jost.contracts import SimulationConfig
from jost.profiles.hydrate import hydrate
from jost.profiles.install import ensure_defaults
from jost.profiles.store import ProfileStore


class Prefill(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    description: str
    config: SimulationConfig

    @property
    def text(self) -> str:
        """The config as the editor shows it."""
        return msgspec.json.format(msgspec.json.encode(self.config), indent=2).decode()


@cache
def default_configs() -> tuple[Prefill, ...]:
    """Every standard simulation profile, hydrated (once per process: hydration reads the
    profiles it names from a folder, so the packaged copy is installed into a temporary one,
    as the terminal installs it on first use)."""
    with tempfile.TemporaryDirectory(prefix="jost-workbench-") as folder:
        store = ProfileStore(Path(folder))
        ensure_defaults(store)
        return tuple(
            Prefill(
                name=name,
                description=store.load("simulation", name).description,
                config=hydrate(store, name),
            )
            for name in store.names("simulation")
        )


DEFAULT_PROFILE = "basic-6d-s17-das-flat"
"""The profile the editor opens with: the default game."""


def prefill(name: str | None) -> Prefill:
    """The profile ``name``, else the default game (an unknown name is the default too)."""
    by_name = {p.name: p for p in default_configs()}
    return by_name.get(name or DEFAULT_PROFILE) or by_name[DEFAULT_PROFILE]
