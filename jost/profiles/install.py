"""The standard profiles installed read-only beside the player's profiles. An install adds
what is new and updates a default whose content changed; it never writes over a profile of the
player's (one with a default's name is left alone and reported), nor over a default file the
player edited by hand."""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from jost.defaults.standard import profile_bytes, standard_profiles
from jost.files import atomic_write
from jost.profiles.store import (
    DEFAULT_MODE,
    KINDS,
    NAME,
    ProfileInvalid,
    ProfileStore,
    digest,
    validate_profile,
)


class SyncReport(Struct, kw_only=True):
    source: str
    """``platform URL`` or ``packaged copy``."""
    fallback: str | None = None
    """Why the packaged copy was used although a platform was asked (its error)."""
    added: list[str] = []
    updated: list[str] = []
    unchanged: int = 0
    skipped: list[str] = []
    """Defaults not installed because a profile of the player's has the name."""
    kept: list[str] = []
    """Defaults the player edited by hand: their file is kept as it is."""
    invalid: list[str] = []
    """Documents that are not valid profiles (``KIND/NAME: error``): not installed."""


def install_defaults(
    store: ProfileStore, documents: Any, source: str, fallback: str | None = None
) -> SyncReport:
    """Install ``documents`` (``{kind: {name: document}}``, as ``/api/defaults/`` serves them)
    from ``source``; a document that is not a valid profile is reported, not installed."""
    report = SyncReport(source=source, fallback=fallback)
    manifest = store.defaults()
    writes: list[tuple[str, str, bytes]] = []
    for kind in KINDS:
        by_name = documents.get(kind)
        if not isinstance(by_name, dict):
            continue
        installed = manifest.setdefault(kind, {})
        for name, document in sorted(by_name.items()):
            label = f"{kind}/{name}"
            data = profile_bytes(document)
            try:
                if not NAME.match(name):
                    raise ProfileInvalid("$", f"bad profile name {name!r}")
                validate_profile(kind, data)
            except ProfileInvalid as exc:
                report.invalid.append(f"{label}: {exc}")
                continue
            path = store.path(kind, name)
            if not path.exists():
                report.added.append(label)
            elif name not in installed:
                report.skipped.append(label)
                continue
            else:
                current = path.read_bytes()
                if digest(current) != installed[name]:
                    report.kept.append(label)
                    continue
                if current == data:
                    report.unchanged += 1
                    continue
                report.updated.append(label)
            installed[name] = digest(data)
            writes.append((kind, name, data))
    if writes or not store.has_defaults():
        # The manifest first: a crash before the files are written leaves defaults listed
        # but missing, which the next sync adds; never a default taken for the player's own.
        store.write_manifest(manifest)
        for kind, name, data in writes:
            atomic_write(store.path(kind, name), data, DEFAULT_MODE)
    return report


def ensure_defaults(store: ProfileStore) -> SyncReport | None:
    """On first start (no defaults installed yet), install the packaged copy."""
    if store.has_defaults():
        return None
    return install_defaults(store, standard_profiles(), "packaged copy")
