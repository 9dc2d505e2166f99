"""The satisfaction survey at the kiosk: find the finished visit by ticket number or QR,
answer the nine SKM elements, each with its own question and answer words (PermenPAN-RB
14/2017's sample questionnaire), on big 1-4 buttons (or the keys 1-4: they score the element
in focus, or the first one not yet scored, and move on to the next); the respondent profile
the guestbook does not already hold (age group, gender, education, occupation), an optional
comment, the office's complaint channels; one rating per visit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from kiosk import survey
from kiosk.errors import DomainError, Invalid
from screens.base import friendly_error
from screens.kiosk_app import FlowScroll, LocalizedScreen

if TYPE_CHECKING:
    from screens.kiosk_app import KioskApp


class RatingStartScreen(LocalizedScreen):
    def compose(self) -> ComposeResult:
        app = self.pst
        with Vertical(classes="flow"):
            yield Static(app.t("rating.title"), classes="flow-title")
            yield Static(app.t("rating.ask_number"), classes="flow-text")
            yield Input(placeholder="B-007", id="number")
            yield Static("", id="number-error", classes="field-error")
            with Horizontal(classes="flow-buttons"):
                yield Button(app.t("guest.next"), id="next", variant="primary")
                yield Button(app.t("guest.back"), id="back")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#number", Input).focus()

    @on(Input.Submitted, "#number")
    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        app = self.pst
        typed = self.query_one("#number", Input).value
        error = self.query_one("#number-error", Static)
        if not typed.strip():  # not '"" is not a ticket number'
            error.update(app.t("rating.number_empty"))
            return
        try:
            found = survey.find_rateable(app.store, app.queue, typed)
        except Exception as exc:  # noqa: BLE001 - a message, never a traceback
            error.update(friendly_error(app, exc))
            return
        self.app.push_screen(RatingScreen(found))

    @on(Input.Changed, "#number")
    def _typing(self) -> None:
        """The message was about the number before: it goes as the visitor types."""
        self.query_one("#number-error", Static).update("")

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.dismiss()


class RatingScreen(LocalizedScreen):
    def __init__(self, rateable: survey.Rateable) -> None:
        super().__init__()
        self.rateable = rateable
        self.scores: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        app: KioskApp = self.pst
        with FlowScroll(classes="flow"):
            yield Static(app.t("rating.for", number=self.rateable.number), classes="flow-title")
            for n, code in enumerate(survey.ELEMENTS, 1):
                yield Label(f"{n}. {survey.element_name(code, app.lang)}", id=f"label-{code}", classes="element")
                yield Static(survey.element_question(code, app.lang), classes="question")
                with Horizontal(classes="scores"):
                    for value, label in enumerate(survey.answer_labels(code, app.lang), 1):
                        yield Button(f"{value} {label}", id=f"{code}-{value}", classes="score")
                yield Static("", id=f"err-{code}", classes="field-error")
            asked = self.rateable.to_ask()
            if asked:
                yield Static(app.t("survey.profile.title"), classes="element")
            for code in asked:
                yield Label(survey.profile_name(code, app.lang), classes="profile-label")
                yield Select(survey.profile_choices(code, app.lang), id=f"profile-{code}",
                             prompt=app.t("survey.profile.prompt"), classes="profile")
                yield Static("", id=f"err-{code}", classes="field-error")
            yield Label(app.t("rating.comment"))
            yield Input(id="comment", placeholder=app.t("rating.comment_hint"))
            yield Static("", id="err-comment", classes="field-error")
            channels = app.settings.office.complaint_channels
            if channels:
                yield Static(app.t("rating.complaints") + "\n" + "\n".join(channels), id="channels")
            with Horizontal(classes="flow-buttons"):
                yield Button(app.t("rating.send"), id="send", variant="primary")
                yield Button(app.t("guest.cancel"), id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(f"#{survey.ELEMENTS[0]}-1", Button).focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The element the keys 1-4 score is marked."""
        code = event.widget.id.split("-")[0] if event.widget.has_class("score") else None
        for label in self.query(".element"):
            label.set_class(label.id == f"label-{code}", "-current")

    @on(Button.Pressed, ".score")
    def _score(self, event: Button.Pressed) -> None:
        code, value = event.button.id.split("-")
        self.choose(code, int(value))

    def choose(self, code: str, value: int) -> None:
        self.scores[code] = value
        for button in self.query(".score"):
            if button.id.startswith(f"{code}-"):
                button.set_class(button.id == f"{code}-{value}", "-chosen")
        self.query_one(f"#err-{code}", Static).update("")

    def on_key(self, event: events.Key) -> None:
        """1-4 score the element in focus (else the first unscored) and go to the next."""
        values = {"1", "2", "3", "4"}
        if isinstance(self.focused, (Input, Select)) or event.character not in values:
            return
        focused = self.focused
        if focused is not None and focused.has_class("score"):
            code = focused.id.split("-")[0]
        else:
            code = next((c for c in survey.ELEMENTS if c not in self.scores), None)
            if code is None:
                return
        event.stop()
        self.choose(code, int(event.character))
        later = survey.ELEMENTS[survey.ELEMENTS.index(code) + 1:]
        profile = list(self.query(".profile"))
        target = (self.query_one(f"#{later[0]}-{self.scores.get(later[0], 1)}", Button) if later
                  else profile[0] if profile else self.query_one("#comment", Input))
        target.focus()

    @on(Input.Submitted, "#comment")
    @on(Button.Pressed, "#send")
    def _send(self) -> None:
        app = self.pst
        try:
            profile = {select.id.removeprefix("profile-"): (None if select.value in (Select.NULL, None)
                                                            else str(select.value))
                       for select in self.query(".profile").results(Select)}
            survey.submit(app.store, app.queue, self.rateable, self.scores,
                          self.query_one("#comment", Input).value, profile)
        except Invalid as exc:
            for field, message in exc.field_messages(app.lang).items():
                self.query_one(f"#err-{field}", Static).update(message)
            return
        except DomainError as exc:
            self.notify(exc.message(app.lang), severity="warning")
            return
        except Exception as exc:  # noqa: BLE001
            self.notify(friendly_error(app, exc), severity="error")
            return
        self.notify(app.t("rating.thanks"), timeout=6)
        app.go_home()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.leave_asking(self._started(), self.pst.go_home)

    def action_back(self) -> None:
        """Esc on a survey with answers given asks before throwing them away."""
        self.leave_asking(self._started())

    def _started(self) -> bool:
        return bool(self.scores or self.query_one("#comment", Input).value.strip())
