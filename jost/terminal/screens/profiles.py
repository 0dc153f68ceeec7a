"""The profile browser and editor: profiles grouped by kind on the left, the selected one's
JSON on the right, validated as it is typed (the first error's field and reason under the
editor). Defaults are read-only: ``c`` copies one to a profile of the player's own. Edits not
yet saved are kept per profile while the app runs, so moving around loses nothing."""

from __future__ import annotations

import re
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TextArea, Tree

from jost.profiles.store import (
    KINDS,
    ProfileEntry,
    ProfileInvalid,
    ProfileStore,
    validate_profile,
)
from jost.terminal.screens.dialogs import AskName, Confirm

Key = tuple[str, str]
BYTE_AT = re.compile(r"\(byte (\d+)\)")


def check(kind: str, text: str) -> str | None:
    """None when ``text`` is a valid profile of ``kind``, else the first error's field and
    reason as one line."""
    data = text.encode()
    try:
        validate_profile(kind, data)
    except ProfileInvalid as exc:
        return f"{exc.field}: {exc.reason}{where_in(data, exc.reason)}"
    return None


def where_in(data: bytes, reason: str) -> str:
    """Malformed JSON is reported at a byte offset: the line and column the editor shows."""
    match = BYTE_AT.search(reason)
    if match is None:
        return ""
    before = data[: int(match.group(1))]
    line = before.count(b"\n") + 1
    column = len(before[before.rfind(b"\n") + 1 :].decode(errors="replace")) + 1
    return f" at line {line}, column {column}"


class ProfileTree(Tree):
    """The browser: Enter opens the profile under the cursor in the editor (in the footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Edit")]


class ProfilesScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("c", "copy", "Copy"),
        Binding("d", "delete", "Delete"),
        Binding("escape", "browse", "List"),
    ]
    DEFAULT_CSS = """
    ProfilesScreen #browser {
        width: 30%; min-width: 32; max-width: 60; border-right: solid $primary;
    }
    ProfilesScreen #where { height: 1; padding: 0 1; background: $boost; }
    ProfilesScreen #where-name { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    ProfilesScreen #where-state { width: auto; padding: 0 0 0 2; }
    ProfilesScreen #editor { height: 1fr; }
    ProfilesScreen #check { height: auto; max-height: 3; padding: 0 1; }
    ProfilesScreen #check.invalid { color: $error; }
    ProfilesScreen #check.valid { color: $success; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.current: Key | None = None
        self.saved_text = ""

    @property
    def store(self) -> ProfileStore:
        return self.app.store

    @property
    def drafts(self) -> dict[Key, str]:
        """Unsaved edits, by profile: the app keeps them until saved (or it quits)."""
        return self.app.drafts

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            tree: Tree[ProfileEntry | None] = ProfileTree("profiles", id="browser")
            tree.show_root = False
            yield tree
            with Vertical():
                with Horizontal(id="where"):
                    # the state always shows whole; a long name is cut with an ellipsis
                    yield Static("", id="where-name")
                    yield Static("", id="where-state")
                yield TextArea("", id="editor", read_only=True, tab_behavior="indent")
                yield Static("", id="check")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#browser", Tree).focus()
        # the defaults may arrive from the platform after the screen is built
        self.app.profiles_changed.subscribe(self, lambda _: self.reload())

    def on_screen_resume(self) -> None:
        # profiles may have changed on disk (another command, a copy made elsewhere)
        self.reload()

    # -- the browser ---------------------------------------------------------------------------

    def reload(self, select: Key | None = None) -> None:
        """Rebuild the browser from the store, keeping (or moving to) the selected profile."""
        select = select or self.current
        tree = self.query_one("#browser", Tree)
        tree.clear()
        target = None
        entries = self.store.list()
        for kind in KINDS:
            mine = [e for e in entries if e.kind == kind]
            group = tree.root.add(f"{kind} ({len(mine)})", data=None, expand=True)
            for entry in sorted(mine, key=lambda e: (e.source != "user", e.name)):
                node = group.add_leaf(self._label(entry), data=entry)
                if select == (entry.kind, entry.name):
                    target = node
        if target is not None:
            self.call_after_refresh(tree.move_cursor, target)

    def _label(self, entry: ProfileEntry) -> str:
        # the player's own in bold, defaults plain; * marks unsaved edits, ✗ an invalid file
        mark = "[red]✗[/] " if not entry.valid else ""
        draft = "*" if (entry.kind, entry.name) in self.drafts else ""
        name = f"[b]{entry.name}[/]" if entry.source == "user" else entry.name
        return f"{mark}{name}{draft}"

    @on(Tree.NodeHighlighted, "#browser")
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        entry = event.node.data
        if entry is not None:
            self.open(entry.kind, entry.name)

    @on(Tree.NodeSelected, "#browser")
    def _selected(self, event: Tree.NodeSelected) -> None:
        entry = event.node.data
        if entry is not None:
            self.query_one("#editor", TextArea).focus()
            if self.store.is_default(entry.kind, entry.name):
                self.notify(f"{entry.kind}/{entry.name} is a default, read-only: c to copy")

    # -- the editor ----------------------------------------------------------------------------

    def open(self, kind: str, name: str) -> None:
        """Show a profile in the editor: its unsaved draft if there is one, else the file."""
        if self.current == (kind, name):
            return
        self.current = (kind, name)
        editor = self.query_one("#editor", TextArea)
        try:
            self.saved_text = self.store.read_text(kind, name)
        except (OSError, ValueError) as exc:
            self.saved_text = ""
            self.notify(f"cannot read {kind}/{name}: {exc}", severity="error")
        default = self.store.is_default(kind, name)
        editor.read_only = default
        editor.load_text(self.drafts.get((kind, name), self.saved_text))
        self.query_one("#where-name", Static).update(f"[b]{kind}/{name}[/]")
        self.query_one("#where-state", Static).update(
            "read-only · [b]c[/] copies" if default else "yours · [b]ctrl+s[/] saves"
        )

    @on(TextArea.Changed, "#editor")
    def _changed(self, event: TextArea.Changed) -> None:
        if self.current is None:
            return
        text = event.text_area.text
        was_draft = self.current in self.drafts
        if text == self.saved_text:
            self.drafts.pop(self.current, None)
        else:
            self.drafts[self.current] = text
        if was_draft != (self.current in self.drafts):
            node = self.query_one("#browser", Tree).cursor_node
            if node is not None and node.data is not None:
                node.set_label(self._label(node.data))
        self.show_check(check(self.current[0], text))

    def show_check(self, error: str | None) -> None:
        line = self.query_one("#check", Static)
        line.set_class(error is not None, "invalid")
        line.set_class(error is None, "valid")
        if error is None:
            unsaved = " (not saved)" if self.current in self.drafts else ""
            line.update(f"✓ valid{unsaved}")
        else:
            line.update(f"✗ {error}")

    # -- actions -------------------------------------------------------------------------------

    def action_browse(self) -> None:
        self.query_one("#browser", Tree).focus()

    def action_save(self) -> None:
        if self.current is None:
            return
        kind, name = self.current
        if self.store.is_default(kind, name):
            self.notify(
                f"{kind}/{name} is a default and read-only: press c to copy it",
                severity="warning",
            )
            return
        text = self.query_one("#editor", TextArea).text
        try:
            self.store.save(kind, name, text.encode())
        except ProfileInvalid as exc:
            self.show_check(f"{exc.field}: {exc.reason}")
            self.notify(
                f"not saved, {kind}/{name} is invalid: {exc.field}: {exc.reason}",
                severity="error",
            )
            return
        except (OSError, ValueError) as exc:
            self.notify(f"not saved: {exc}", severity="error")
            return
        self.saved_text = text
        self.drafts.pop(self.current, None)
        self.show_check(None)
        self.notify(f"saved {kind}/{name}")
        self.reload()

    def action_copy(self) -> None:
        if self.current is None:
            return
        kind, name = self.current

        def copy(new_name: str | None) -> None:
            if not new_name:
                return
            try:
                self.store.copy(kind, name, new_name)
            except (OSError, ValueError) as exc:
                self.notify(f"not copied: {exc}", severity="error")
                return
            self.notify(f"copied {kind}/{name} to {kind}/{new_name}")
            self.reload(select=(kind, new_name))
            self.open(kind, new_name)
            self.query_one("#editor", TextArea).focus()

        self.app.push_screen(AskName(f"Copy {kind}/{name} as:", f"my-{name}"), copy)

    def action_delete(self) -> None:
        if self.current is None:
            return
        kind, name = self.current
        if self.store.is_default(kind, name):
            self.notify(f"{kind}/{name} is a default: it cannot be deleted", severity="warning")
            return

        def delete(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.store.remove(kind, name)
            except (OSError, ValueError) as exc:
                self.notify(f"not deleted: {exc}", severity="error")
                return
            self.drafts.pop((kind, name), None)
            self.current = None
            self.notify(f"deleted {kind}/{name}")
            self.reload()

        self.app.push_screen(Confirm(f"Delete {kind}/{name}? This removes its file."), delete)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # with no profile shown there is nothing to save, copy or delete; on a default, save
        # and delete stay: they answer why not, which a hidden key would not
        if self.current is None and action in ("save", "copy", "delete"):
            return None
        if action == "browse":
            # Esc goes back to the list: shown while the list is not in focus
            return not isinstance(self.focused, ProfileTree)
        return True
