"""Reading a simulation config file for a command, with errors a player can act on."""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

import msgspec

from jost.contracts import Profile, SimulationConfig, decode_config

DEFAULT_GAME = "default.json"


class ConfigError(Exception):
    """A config that cannot be used; the message names the file and the field at fault."""


def read_config(path: str | None) -> SimulationConfig:
    """Decode and validate ``path`` (the shipped default game when None)."""
    if path is None:
        data = (files("jost.defaults") / "games" / DEFAULT_GAME).read_bytes()
        source = f"default game ({DEFAULT_GAME})"
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
        source = path
    try:
        return decode_config(data)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError too
        raise ConfigError(f"{source}: invalid config: {exc}") from exc


def profile_names() -> list[str]:
    folder = files("jost.defaults") / "profiles"
    return sorted(
        e.name.removesuffix(".json") for e in folder.iterdir() if e.name.endswith(".json")
    )


def read_profile(name: str) -> Profile:
    """A shipped profile by name."""
    if name not in profile_names():
        raise ConfigError(f"unknown profile {name!r}; shipped: {', '.join(profile_names())}")
    data = (files("jost.defaults") / "profiles" / f"{name}.json").read_bytes()
    try:
        return msgspec.json.decode(data, type=Profile)
    except msgspec.DecodeError as exc:
        raise ConfigError(f"profile {name}: invalid: {exc}") from exc


def fail(message: str) -> int:
    """Print an error for the user and return the exit code for bad input."""
    print(f"jost: {message}", file=sys.stderr)
    return 2
