"""The shipped data: basic strategy charts, count systems, index-play sets, profiles and the
default game, one JSON file each under a folder per kind. New data needs no code change: a
kind's names are the files in its folder."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import TypeVar

import msgspec

T = TypeVar("T")


@cache
def names(kind: str) -> tuple[str, ...]:
    """The sorted names of the shipped items of ``kind`` (a folder: "charts", "counts", ...)."""
    folder = files(__name__) / kind
    return tuple(
        sorted(e.name.removesuffix(".json") for e in folder.iterdir() if e.name.endswith(".json"))
    )


def read(kind: str, name: str) -> bytes:
    return (files(__name__) / kind / f"{name}.json").read_bytes()


@cache
def load(kind: str, name: str, type_: type[T], field: str) -> T:
    """The shipped item ``name`` of ``kind``, decoded as ``type_`` once, then cached (our
    structs are frozen, so sharing one is safe). An unknown name raises ``ValueError`` that
    names the config ``field`` and lists what is shipped."""
    if name not in names(kind):
        raise ValueError(
            f"{field}: unknown {kind[:-1]} {name!r}; shipped: {', '.join(names(kind))}"
        )
    return msgspec.json.decode(read(kind, name), type=type_)
