"""Reading a simulation config file for a command, with errors a player can act on."""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec

from jost import defaults
from jost.contracts import Profile, SimulationConfig, decode_config

DEFAULT_GAME = "default"


class ConfigError(Exception):
    """A config that cannot be used; the message names the file and the field at fault."""


def read_config(path: str | None) -> SimulationConfig:
    """Decode and validate ``path`` (the shipped default game when None)."""
    if path is None:
        data = defaults.read("games", DEFAULT_GAME)
        source = f"default game ({DEFAULT_GAME}.json)"
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


def profile_names() -> tuple[str, ...]:
    return defaults.names("profiles")


def read_profile(name: str) -> Profile:
    """A shipped profile by name."""
    try:
        return defaults.load("profiles", name, Profile, "--profile")
    except ValueError as exc:  # an unknown name, or a shipped file that does not decode
        raise ConfigError(str(exc)) from exc


def fail(message: str) -> int:
    """Print an error for the user and return the exit code for bad input."""
    print(f"jost: {message}", file=sys.stderr)
    return 2
