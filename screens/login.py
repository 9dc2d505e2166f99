"""Officer login, and the lock screen that idle time brings up at the counter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Input, Label, Static

from kiosk import accounts
from kiosk.accounts import User
from screens.base import TitleHeader, friendly_error

if TYPE_CHECKING:
    from screens.base import PstApp


class LoginScreen(Screen[User]):
    """Username and PIN; dismissed with the user once authenticated."""

    def __init__(self, title_key: str = "login.title", username: str = "") -> None:
        super().__init__()
        self.title_key = title_key
        self.username = username

    @property
    def pst(self) -> PstApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.pst
        yield TitleHeader()
        with Vertical(classes="login"):
            yield Static(app.t(self.title_key), classes="login-title")
            yield Label(app.t("login.username"))
            yield Input(value=self.username, id="username")
            yield Label(app.t("login.pin"))
            yield Input(password=True, id="pin")
            yield Static("", id="login-error")
            yield Button(app.t("login.submit"), id="submit", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pin" if self.username else "#username", Input).focus()

    @on(Input.Submitted, "#username")
    def _to_pin(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value
        pin_input = self.query_one("#pin", Input)
        try:
            user = accounts.authenticate(self.pst.store, username, pin_input.value)
        except Exception as exc:  # noqa: BLE001 - wrong PIN, locked, or a broken store
            pin_input.value = ""
            self.query_one("#login-error", Static).update(friendly_error(self.pst, exc))
            return
        self.dismiss(user)


class LockScreen(ModalScreen[User]):
    """Idle lock: the same officer's PIN opens it, or another officer logs in."""

    BINDINGS = [Binding("ctrl+q", "app.quit", show=False, priority=True)]

    def __init__(self, user: User) -> None:
        super().__init__()
        self.user = user

    @property
    def pst(self) -> PstApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.pst
        with Vertical(classes="login"):
            yield Static(app.t("login.locked_title", name=self.user.name), classes="login-title")
            yield Label(app.t("login.pin"))
            yield Input(password=True, id="pin")
            yield Static("", id="login-error")
            with Horizontal(classes="login-buttons"):
                yield Button(app.t("login.unlock"), id="unlock", variant="primary")
                yield Button(app.t("login.switch_user"), id="switch")

    def on_mount(self) -> None:
        self.query_one("#pin", Input).focus()
        try:
            accounts.lock(self.pst.store, self.user)
        except Exception as exc:  # noqa: BLE001 - the lock holds even if the trail cannot be written
            self.query_one("#login-error", Static).update(friendly_error(self.pst, exc))

    @on(Input.Submitted, "#pin")
    @on(Button.Pressed, "#unlock")
    def _unlock(self) -> None:
        pin_input = self.query_one("#pin", Input)
        try:
            user = accounts.unlock(self.pst.store, self.user.username, pin_input.value)
        except Exception as exc:  # noqa: BLE001
            pin_input.value = ""
            self.query_one("#login-error", Static).update(friendly_error(self.pst, exc))
            return
        self.dismiss(user)

    @on(Button.Pressed, "#switch")
    def _switch(self) -> None:
        def other(user: User | None) -> None:
            if user is not None:
                self.dismiss(user)

        self.app.push_screen(LoginScreen(), other)
