"""Defaults: the standard profiles, fetched from the platform (``/api/defaults/``) or, when no
platform answers, taken from the copy packaged with jost, and installed read-only beside the
player's profiles (``jost.profiles.install``)."""

from __future__ import annotations

from typing import Any

from jost.defaults.standard import standard_profiles
from jost.profiles.install import SyncReport, install_defaults
from jost.profiles.store import ProfileStore
from jost.terminal.client import PlatformClient, PlatformError


def sync_defaults(store: ProfileStore, client: PlatformClient | None) -> SyncReport:
    """Install the standard profiles from ``client``'s platform, else the packaged copy."""
    documents: Any = None
    fallback = None
    if client is not None:
        try:
            documents = client.defaults()
            source = f"platform {client.url}"
        except PlatformError as exc:  # down, or refusing: the packaged copy serves
            fallback = str(exc)
    if not isinstance(documents, dict):
        documents = standard_profiles()
        source = "packaged copy"
    return install_defaults(store, documents, source, fallback)
