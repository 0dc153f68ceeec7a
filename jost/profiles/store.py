"""The player's profiles: one JSON file per profile, ``KIND/NAME.json`` in the profiles folder.

Kinds and what a file holds (each decoded strictly into its Struct, so an error names the
field: ``Expected `int` <= 8, got 9 - at `$.rules.decks```):

- ``rules``: ``{"description", "rules": Rules}``
- ``strategy``: ``{"description", "playing", "count", "deck_estimation", "rounding",
  "deviations"}``: ``playing`` is ``basic``, ``derived`` or a chart profile's name; ``count``
  a count profile's name (none: no count); ``deviations`` ``none`` or an indices profile's name
- ``betting``: ``{"description", "betting": Betting}``
- ``simulation``: ``{"description", "rules", "strategy", "betting"`` (profile names),
  ``"table", "bankroll", "rounds", "seed", "shard_rounds"}``
- ``chart``: a ``Chart``; ``count``: a ``CountSystem``; ``indices``: a list of ``IndexPlay``,
  or a set with ``s17`` and ``h17`` values like the shipped Illustrious 18 (a ``DeviationSet``)

Defaults (the standard profiles, see ``jost.terminal.sync``) sit beside the player's own,
read-only: their file mode is 0444, the store refuses to write or remove them, and
``.defaults.json`` in the folder lists them with the digest of what was installed.
"""

from __future__ import annotations

import builtins
import hashlib
import os
import re
from pathlib import Path
from typing import Any, Literal, get_type_hints

import msgspec
from msgspec import Struct

from jost.contracts import (
    Bankroll,
    Betting,
    Chart,
    CountSystem,
    DeckEstimation,
    DeviationSet,
    IndexPlay,
    Rounding,
    Rules,
    SimulationConfig,
    Table,
    error_at,
)
from jost.files import atomic_write

KINDS = ("rules", "strategy", "betting", "simulation", "chart", "count", "indices")
Kind = Literal["rules", "strategy", "betting", "simulation", "chart", "count", "indices"]

PLAYING_WORDS = ("basic", "derived")
"""``strategy.playing`` words that are not chart profile names."""

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,79}$")
MANIFEST = ".defaults.json"
USER_MODE = 0o644
DEFAULT_MODE = 0o444

_CONFIG_FIELDS = get_type_hints(SimulationConfig, include_extras=True)
Rounds = _CONFIG_FIELDS["rounds"]
Seed = _CONFIG_FIELDS["seed"]
ShardRounds = _CONFIG_FIELDS["shard_rounds"]


class RulesProfile(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    description: str = ""
    rules: Rules


class StrategyProfile(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    description: str = ""
    playing: str = "basic"
    """``basic`` (the shipped chart for the rules), ``derived`` (derived for the rules by the
    exact analyzer) or the name of a chart profile."""
    count: str | None = None
    """The name of a count profile; none: no count is kept."""
    deck_estimation: DeckEstimation = "exact"
    rounding: Rounding = "floor"
    deviations: str = "none"
    """``none`` or the name of an indices profile."""

    def __post_init__(self) -> None:
        if self.deviations != "none" and self.count is None:
            raise ValueError("deviations need a count: name a count profile in count")


class BettingProfile(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    description: str = ""
    betting: Betting = Betting()


class SimulationProfile(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    description: str = ""
    rules: str
    strategy: str
    betting: str
    """The names of the rules, strategy and betting profiles it plays."""
    table: Table = Table()
    bankroll: Bankroll | None = None
    rounds: Rounds = 10_000_000
    seed: Seed = 0
    shard_rounds: ShardRounds = 1_000_000


IndicesProfile = list[IndexPlay] | DeviationSet

PROFILE_TYPES: dict[str, Any] = {
    "rules": RulesProfile,
    "strategy": StrategyProfile,
    "betting": BettingProfile,
    "simulation": SimulationProfile,
    "chart": Chart,
    "count": CountSystem,
    "indices": IndicesProfile,
}
_DECODERS = {kind: msgspec.json.Decoder(t) for kind, t in PROFILE_TYPES.items()}
_REFERENCES: dict[str, dict[str, str]] = {
    "simulation": {"rules": "rules", "strategy": "strategy", "betting": "betting"},
    "strategy": {"playing": "chart", "count": "count", "deviations": "indices"},
}
"""Which field of which kind names a profile of which kind."""


class ProfileError(ValueError):
    """A profile that cannot be used, read or written; the message says which and why."""


class ProfileInvalid(ProfileError):
    """``field``: a JSON path into the profile's file (``$.rules.decks``); ``reason``: why;
    ``path``: the file, when there is one."""

    def __init__(
        self,
        field: str,
        reason: str,
        *,
        kind: str | None = None,
        name: str | None = None,
        path: Path | None = None,
    ) -> None:
        where = f"{path}: " if path is not None else (f"{kind}/{name}: " if kind and name else "")
        super().__init__(f"{where}{reason} - at `{field}`")
        self.field = field
        self.reason = reason
        self.kind = kind
        self.name = name
        self.path = path


class ReferenceInvalid(ProfileInvalid):
    """A profile naming one that is invalid: ``field`` is where it names it (``$.rules``),
    ``referenced`` the named profile's own error. The message names the profile first
    (``simulation/mysim: its rules profile my2d is invalid: ...``), so a list of invalid
    profiles does not say the named one's error twice."""

    def __init__(
        self, field: str, kind: str, name: str, by: tuple[str, str], referenced: ProfileError
    ) -> None:
        by_kind, by_name = by
        reason = f"its {kind} profile {name} is invalid: {referenced}"
        super().__init__(field, reason, kind=by_kind, name=by_name)
        self.args = (f"{by_kind}/{by_name}: {reason}",)
        self.referenced = referenced


class ProfileMissing(ProfileError):
    """No profile ``kind/name``; ``referenced_by`` is the profile that names it, if any."""

    def __init__(
        self, kind: str, name: str, folder: Path, referenced_by: tuple[str, str] | None = None
    ) -> None:
        if referenced_by is None:
            message = f"no {kind} profile {name!r} (no file {folder / kind / name}.json)"
        else:
            by_kind, by_name = referenced_by
            message = (
                f"{by_kind} profile {by_name!r} names {kind} profile {name!r}, which does "
                f"not exist (no file {folder / kind / name}.json)"
            )
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.referenced_by = referenced_by


class ProfileReadOnly(ProfileError):
    """A default: copy it to change it."""


class ProfileEntry(Struct, frozen=True, kw_only=True):
    kind: str
    name: str
    source: Literal["default", "user"]
    valid: bool
    error: str | None = None


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ProfileError(f"unknown profile kind {kind!r}; kinds: {', '.join(KINDS)}")
    return kind


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise ProfileError(
            f"bad profile name {name!r}: letters, digits and . _ + - (up to 80), "
            "starting with a letter or digit"
        )
    return name


def validate_profile(kind: str, data: bytes | str) -> Any:
    """Decode ``data`` as a profile of ``kind``: its Struct, or ``ProfileInvalid`` naming the
    field (a document that is not JSON at all is at ``$``)."""
    try:
        return _DECODERS[check_kind(kind)].decode(data)
    except msgspec.DecodeError as exc:
        raise invalid_from(exc, kind=kind) from exc


def invalid_from(exc: Exception, **where: Any) -> ProfileInvalid:
    """A msgspec error (``... - at `$.x```) as ``ProfileInvalid`` with its field."""
    message = str(exc)
    if isinstance(exc, msgspec.DecodeError) and not isinstance(exc, msgspec.ValidationError):
        message = f"not valid JSON: {message}"
    reason, field = error_at(message)
    return ProfileInvalid(field, reason, **where)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ProfileStore:
    """The profiles folder ``root``: read, validate and atomically write profiles; defaults
    are read-only here (only ``jost.terminal.sync`` installs them)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, kind: str, name: str) -> Path:
        return self.root / check_kind(kind) / f"{check_name(name)}.json"

    def exists(self, kind: str, name: str) -> bool:
        return self.path(kind, name).is_file()

    def names(self, kind: str) -> builtins.list[str]:
        folder = self.root / check_kind(kind)
        if not folder.is_dir():
            return []
        return sorted(
            p.name.removesuffix(".json")
            for p in folder.iterdir()
            if p.name.endswith(".json") and not p.name.startswith(".") and p.is_file()
        )

    # -- defaults ------------------------------------------------------------------------

    def defaults(self) -> dict[str, dict[str, str]]:
        """The installed defaults: kind -> name -> digest of the file as installed."""
        try:
            return msgspec.json.decode((self.root / MANIFEST).read_bytes(), type=dict)
        except FileNotFoundError:
            return {}
        except msgspec.DecodeError as exc:
            raise ProfileError(f"{self.root / MANIFEST}: unreadable ({exc})") from exc

    def has_defaults(self) -> bool:
        return (self.root / MANIFEST).is_file()

    def is_default(self, kind: str, name: str) -> bool:
        return name in self.defaults().get(check_kind(kind), {})

    def write_manifest(self, manifest: dict[str, dict[str, str]]) -> None:
        ordered = {k: dict(sorted(manifest[k].items())) for k in KINDS if k in manifest}
        atomic_write(self.root / MANIFEST, msgspec.json.format(msgspec.json.encode(ordered)))

    # -- reading -------------------------------------------------------------------------

    def read_bytes(self, kind: str, name: str) -> bytes:
        path = self.path(kind, name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ProfileMissing(kind, name, self.root) from None
        except OSError as exc:
            raise ProfileError(f"{path}: cannot read: {exc.strerror}") from exc

    def read_text(self, kind: str, name: str) -> str:
        return self.read_bytes(kind, name).decode("utf-8", errors="replace")

    def load(self, kind: str, name: str) -> Any:
        """The profile decoded into its kind's Struct; ``ProfileInvalid`` names the file and
        the field, ``ProfileMissing`` the profile."""
        data = self.read_bytes(kind, name)
        try:
            return _DECODERS[kind].decode(data)
        except msgspec.DecodeError as exc:
            raise invalid_from(exc, kind=kind, name=name, path=self.path(kind, name)) from exc

    def validate(self, kind: str, name: str) -> None:
        """Check the saved profile as ``check`` checks a document."""
        self._check_refs(kind, name, self.load(kind, name))

    def check(self, kind: str, name: str, data: bytes | str) -> Any:
        """Validate ``data`` as profile ``kind/name`` without writing it: decoded strictly;
        a strategy also resolved (the profiles it names must exist and fit together), a
        simulation hydrated and checked as the platform's submit checks it
        (``jost.engine.validate.check_runnable``). Returns the decoded Struct."""
        check_name(name)
        try:
            document = validate_profile(kind, data)
        except ProfileInvalid as exc:
            raise ProfileInvalid(exc.field, exc.reason, kind=kind, name=name) from None
        self._check_refs(kind, name, document)
        return document

    def _check_refs(self, kind: str, name: str, document: Any) -> None:
        if kind not in ("strategy", "simulation"):
            return
        from jost.profiles.hydrate import check_strategy, hydrate_profile  # imports this module

        if kind == "strategy":
            check_strategy(self, name, document)
        else:
            hydrate_profile(self, name, document)

    def list(self, kind: str | None = None) -> builtins.list[ProfileEntry]:
        kinds = (check_kind(kind),) if kind else KINDS
        defaults = self.defaults()
        entries = []
        for k in kinds:
            for name in self.names(k):
                try:
                    self.validate(k, name)
                    error = None
                except ProfileError as exc:
                    error = str(exc)
                entries.append(
                    ProfileEntry(
                        kind=k,
                        name=name,
                        source="default" if name in defaults.get(k, {}) else "user",
                        valid=error is None,
                        error=error,
                    )
                )
        return entries

    # -- writing -------------------------------------------------------------------------

    def _refuse_default(self, kind: str, name: str, doing: str) -> None:
        if self.is_default(kind, name):
            raise ProfileReadOnly(
                f"{kind}/{name} is a default and read-only: cannot {doing} it; copy it "
                f"(jost profiles copy {kind}/{name} NEWNAME) and change the copy"
            )

    def save(self, kind: str, name: str, data: bytes) -> None:
        """Create or replace a profile of the player's: checked first (``check``: nothing is
        written when it is invalid, or names a profile that does not exist), then written
        atomically."""
        path = self.path(kind, name)
        self._refuse_default(kind, name, "replace")
        self.check(kind, name, data)
        atomic_write(path, data if isinstance(data, bytes) else data.encode(), USER_MODE)

    def copy(self, kind: str, name: str, new_name: str) -> None:
        """Copy any profile (a default too) to a new profile of the player's."""
        if self.exists(kind, new_name):
            raise ProfileError(
                f"{kind}/{new_name} exists already: remove it first or pick another name"
            )
        self.save(kind, new_name, self.read_bytes(kind, name))

    def users_of(self, kind: str, name: str) -> builtins.list[str]:
        """The profiles (``KIND/NAME``) that name profile ``kind/name``."""
        users = []
        for user_kind, fields in _REFERENCES.items():
            for user in self.names(user_kind):
                try:
                    document = self.load(user_kind, user)
                except ProfileError:
                    continue  # a broken profile names nothing we can read
                if any(
                    ref_kind == kind and getattr(document, field) == name
                    for field, ref_kind in fields.items()
                ):
                    users.append(f"{user_kind}/{user}")
        return users

    def remove(self, kind: str, name: str, force: bool = False) -> None:
        """Remove a profile of the player's; refused while other profiles name it, unless
        ``force`` (they would stop working)."""
        path = self.path(kind, name)
        self._refuse_default(kind, name, "remove")
        if not force and (users := self.users_of(kind, name)):
            raise ProfileError(
                f"{kind}/{name} is used by {', '.join(users)}: change those first, or remove "
                "it anyway with --force"
            )
        try:
            os.unlink(path)
        except FileNotFoundError:
            raise ProfileMissing(kind, name, self.root) from None
