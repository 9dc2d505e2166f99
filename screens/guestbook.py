"""The kiosk's guestbook flow: identify (returning?) -> form or confirm -> consent -> ticket.

Nothing stored about a person is shown here except the first name and masked ID of a
returning guest, and only to ask "is this you?".
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from kiosk import identity
from kiosk.guestbook import (GuestData, ReturningGuest, SharedEmail, correction_refused, find_returning,
                             held_ticket, register_visit, validate_guest)
from kiosk.identity import FieldInvalid, Invalid
from kiosk.services import by_code
from kiosk.tickets import issue_ticket
from screens.base import TickBox, friendly_error

from screens.kiosk_app import AskScreen, FlowScroll, LocalizedScreen, TicketScreen


def _options(kind: str, lang: str) -> list[tuple[str, str]]:
    return [(identity.choice_name(kind, c["code"], lang), c["code"]) for c in identity.choices()[kind]]


class FlowScreen(LocalizedScreen):
    """A step of the guestbook for one chosen service."""

    def __init__(self, service: str, priority: bool) -> None:
        super().__init__()
        self.service = service
        self.priority = priority

    def service_title(self) -> Static:
        return Static(f"{self.pst.t('guest.title')} • {by_code(self.service).name(self.pst.lang)}",
                      classes="flow-title")

    def already_holding(self, *, guest_id: str | None = None, id_number: str | None = None) -> bool:
        """The same person still holds a waiting ticket today: say which, offer to show it
        again, and issue no second one (True). An officer can still issue another."""
        app = self.pst
        try:
            held = held_ticket(app.store, app.settings, guest_id=guest_id, id_number=id_number)
        except Exception as exc:  # noqa: BLE001 - never a traceback at the kiosk
            self.notify(friendly_error(app, exc), severity="error")
            return True
        if held is None:
            return False
        ticket = held.ticket

        def answered(show: bool | None) -> None:
            if show:
                app.go_home()
                app.push_screen(TicketScreen(held, again=True))

        app.push_screen(AskScreen(app.t("firstday.already_holding", number=ticket.number,
                                        service=by_code(ticket.service).name(app.lang),
                                        status=app.t(f"status.{ticket.status}")),
                                  yes=app.t("firstday.show_again"), no=app.t("firstday.back_home")),
                        answered)
        return True

    def finish_with(self, issued: Any) -> None:
        """Replace the whole flow by the ticket screen (idle or Done then goes home)."""
        app = self.pst
        app.go_home()
        app.push_screen(TicketScreen(issued))


class IdentifyScreen(FlowScreen):
    def compose(self) -> ComposeResult:
        app = self.pst
        with Vertical(classes="flow"):
            yield self.service_title()
            yield Static(app.t("guest.returning_question"), classes="flow-text")
            yield Input(placeholder=app.t("guest.lookup_placeholder"), id="lookup")
            yield Static("", id="lookup-note", classes="field-error")
            with Horizontal(classes="flow-buttons"):
                yield Button(app.t("guest.find"), id="find", variant="primary")
                yield Button(app.t("guest.new_visitor"), id="new", variant="success")
                yield Button(app.t("guest.back"), id="back")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#lookup", Input).focus()

    def on_screen_resume(self) -> None:
        """Back from the form (a visitor who gave up on it): the lookup has the focus again,
        so what they type next lands there, not on a button."""
        super().on_screen_resume()
        with suppress(NoMatches):  # recomposed for another language: on_mount focuses it
            self.query_one("#lookup", Input).focus()

    @on(Input.Submitted, "#lookup")
    @on(Button.Pressed, "#find")
    def _find(self) -> None:
        typed = self.query_one("#lookup", Input).value
        note = self.query_one("#lookup-note", Static)
        if not typed.strip():
            note.update(self.pst.t("guest.lookup_empty"))
            return
        if any(ch.isdigit() and not ch.isascii() for ch in typed):  # '１３７３…' is not "not found"
            note.update(self.pst.t("text.digits", field=self.pst.t("guest.lookup_placeholder")))
            return
        try:
            found = find_returning(self.pst.store, typed)
        except SharedEmail as exc:  # nobody is greeted: the ID number tells them apart
            note.update(exc.message(self.pst.lang))
            return
        except Exception as exc:  # noqa: BLE001 - never a traceback at the kiosk
            self.notify(friendly_error(self.pst, exc), severity="error")
            return
        if found is None:
            note.update(self.pst.t("guest.not_found"))
            return
        self.app.push_screen(ConfirmScreen(self.service, self.priority, found, typed))

    @on(Input.Changed, "#lookup")
    def _typing(self) -> None:
        """What the note said was about the text before: it goes as the visitor types."""
        self.query_one("#lookup-note", Static).update("")

    @on(Button.Pressed, "#new")
    def _new(self) -> None:
        typed = self.query_one("#lookup", Input).value.strip()
        prefill = {"email": typed} if "@" in typed else ({"id_number": typed} if typed else {})
        self.app.push_screen(GuestFormScreen(self.service, self.priority, prefill))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.dismiss()


class ConfirmScreen(FlowScreen):
    def __init__(self, service: str, priority: bool, found: ReturningGuest, typed: str = "") -> None:
        super().__init__(service, priority)
        self.found = found
        self.typed = typed  # what found them: a restored guest's ID number completes their record

    def compose(self) -> ComposeResult:
        app = self.pst
        id_name = identity.choice_name("id_type", self.found.id_type, app.lang)
        with Vertical(classes="flow"):
            yield self.service_title()
            yield Static(app.t("guest.hello", name=self.found.first_name), id="hello", classes="flow-big")
            yield Static(app.t("guest.is_this_you", id=f"{id_name} {self.found.id_masked}"),
                         id="masked", classes="flow-text")
            yield Label(app.t("guest.purpose"))
            yield Select(_options("purpose", app.lang), id="purpose", prompt=app.t("guest.choose"))
            yield Static("", id="err-purpose", classes="field-error")
            with Horizontal(classes="flow-buttons"):
                yield Button(app.t("guest.yes_me"), id="yes", variant="primary")
                yield Button(app.t("guest.not_me"), id="no")
                yield Button(app.t("guest.back"), id="back")

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        purpose = self.query_one("#purpose", Select).value
        if purpose in (Select.NULL, None):
            self.query_one("#err-purpose", Static).update(self.pst.t("invalid.choice"))
            return
        if self.already_holding(guest_id=self.found.guest_id):
            return
        self.app.push_screen(ConsentScreen(self.service, self.priority, purpose=str(purpose),
                                           guest_id=self.found.guest_id, typed=self.typed))

    @on(Select.Changed, "#purpose")
    def _purpose_chosen(self) -> None:
        """"Choose one" was about no purpose: it goes once one is chosen."""
        if self.query_one("#purpose", Select).value not in (Select.NULL, None):
            self.query_one("#err-purpose", Static).update("")

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.app.push_screen(GuestFormScreen(self.service, self.priority, {}))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.dismiss()


FIELDS = ("name", "id_type", "id_number", "id_country", "email", "phone", "institution",
          "segment", "npwp", "gender", "education", "purpose")


class GuestFormScreen(FlowScreen):
    """The full guestbook form for a first visit; errors show under their fields."""

    AUTO_FOCUS = ""  # focused in on_mount, without scrolling the title and intro away

    def __init__(self, service: str, priority: bool, prefill: dict[str, str]) -> None:
        super().__init__(service, priority)
        self.prefill = prefill
        self._flagged: set[str] = set()  # fields showing an error now

    def compose(self) -> ComposeResult:
        app = self.pst
        pre = self.prefill
        with FlowScroll(classes="flow form"):
            yield self.service_title()
            yield Static(app.t("guest.form_intro"), classes="flow-text")
            for field in FIELDS:
                yield Label(app.t(f"guest.field.{field}"), id=f"label-{field}")
                if field in ("id_type", "segment", "gender", "education", "purpose"):
                    kind = field
                    yield Select(_options(kind, app.lang), id=field, prompt=app.t("guest.choose"),
                                 value=pre.get(field, Select.NULL))
                else:
                    yield Input(value=pre.get(field, ""), id=field,
                                placeholder=app.t(f"guest.hint.{field}"))
                yield Static("", id=f"err-{field}", classes="field-error")
                if field == "npwp":
                    yield Static("", id="note-npwp", classes="field-note")
                if field == "email":
                    yield Static("", id="note-email", classes="field-note", markup=False)
            yield TickBox(app.t("guest.field.disability"), id="disability")
            with Horizontal(classes="flow-buttons"):
                yield Button(app.t("guest.next"), id="next", variant="primary")
                yield Button(app.t("guest.cancel"), id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self._toggle_optional()
        self._blank = self.values()  # as opened (with what was typed to look up)
        # Focusing before the first layout would scroll the name field to the middle of the
        # (not yet measured) view: the form opens at its top, the name field visible below.
        self.set_focus(self.query_one("#name", Input), scroll_visible=False)

    @on(Select.Changed)
    def _toggle_optional(self) -> None:
        id_type = self.query_one("#id_type", Select).value
        segment = self.query_one("#segment", Select).value
        for field, shown in (("id_country", id_type == "passport"),
                             ("npwp", identity.npwp_required(str(segment)) if segment else False)):
            for node in (f"#{field}", f"#label-{field}", f"#err-{field}"):
                self.query_one(node).display = shown
        self.query_one("#note-npwp").display = self.query_one("#npwp").display
        self._recheck()  # after the fields shown changed: a hidden NPWP is no longer wrong

    def values(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        for field in FIELDS:
            widget = self.query_one(f"#{field}")
            value = widget.value
            raw[field] = None if value in (Select.NULL, None) else value
            if not widget.display:
                raw[field] = None
        raw["disability"] = self.query_one("#disability", Checkbox).value
        return raw

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        """Enter in a field goes to the next field shown, as on paper; after the last, Next."""
        event.stop()
        shown = [f for f in FIELDS if self.query_one(f"#{f}").display]
        later = shown[shown.index(event.input.id) + 1:] if event.input.id in shown else []
        if later:
            self.query_one(f"#{later[0]}").focus()
        else:
            self._next()

    def _check(self, raw: dict[str, Any]) -> tuple[dict[str, FieldInvalid], GuestData | None]:
        errors: dict[str, FieldInvalid] = {}
        guest: GuestData | None = None
        try:
            guest = validate_guest(raw)
        except Invalid as exc:
            errors.update(exc.errors)
        else:  # a known ID number with another name and email: not this visitor's to rewrite
            if (refused := correction_refused(self.pst.store, guest)) is not None:
                errors["id_number"] = refused
        if not raw.get("purpose"):
            errors["purpose"] = FieldInvalid("invalid.choice")
        return errors, guest

    def _show_error(self, field: str, err: FieldInvalid | None) -> None:
        self.query_one(f"#err-{field}", Static).update(self.pst.t(err.key, **err.params) if err else "")
        if err:
            self._flagged.add(field)
        else:
            self._flagged.discard(field)

    @on(Input.Changed)
    def _recheck(self) -> None:
        """A field in error is checked again as it changes (an ID type or segment changes
        others): its message goes as soon as it is right. Untouched fields stay quiet."""
        if self._flagged:
            errors, _ = self._check(self.values())
            for field in list(self._flagged):
                self._show_error(field, errors.get(field))

    @on(Input.Changed, "#npwp")
    def _npwp_note(self) -> None:
        """A legacy 15-digit NPWP is stored as the 16 digits: the form says so as it is typed."""
        converted = identity.npwp_conversion(self.query_one("#npwp", Input).value)
        self.query_one("#note-npwp", Static).update(
            self.pst.t("identity.npwp_converted", legacy=converted[0], npwp=converted[1]) if converted else "")

    @on(Input.Changed, "#email")
    def _email_note(self) -> None:
        """An address whose domain looks mistyped ("gmial.con") is questioned as it is
        typed, never refused: the visitor may mean it."""
        suggestion = identity.email_suggestion(self.query_one("#email", Input).value)
        self.query_one("#note-email", Static).update(
            self.pst.t("kiosktrial.email_typo", suggestion=suggestion) if suggestion else "")

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        raw = self.values()
        errors, guest = self._check(raw)
        for field in FIELDS:
            self._show_error(field, errors.get(field))
        if errors:
            first = next(f for f in FIELDS if f in errors)
            self.query_one(f"#{first}").focus()
            self.query_one(f"#label-{first}").scroll_visible()
            return
        if self.already_holding(id_number=guest.id_number):
            return
        self.app.push_screen(ConsentScreen(self.service, self.priority, purpose=raw["purpose"],
                                           guest=guest))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        """Batal goes home; on a form the visitor has started to fill, it asks first, as Esc."""
        self.leave_asking(self.values() != getattr(self, "_blank", None), self.pst.go_home)

    def action_back(self) -> None:
        """Esc on a form the visitor has started to fill asks before throwing it away."""
        self.leave_asking(self.values() != getattr(self, "_blank", None))


class ConsentScreen(FlowScreen):
    """The privacy notice (UU 27/2022) before anything is saved."""

    AUTO_FOCUS = ""  # focused in on_mount, without scrolling the notice away

    def __init__(self, service: str, priority: bool, *, purpose: str,
                 guest: GuestData | None = None, guest_id: str | None = None, typed: str | None = None) -> None:
        super().__init__(service, priority)
        self.purpose = purpose
        self.guest = guest
        self.guest_id = guest_id
        self.typed = typed

    def compose(self) -> ComposeResult:
        app = self.pst
        office = app.settings.office
        contact = office.email or office.phone or office.name
        with FlowScroll(classes="flow"):
            yield self.service_title()
            yield Static(app.t("privacy.title"), classes="flow-big")
            yield Static(app.t("privacy.notice", office=office.name, contact=contact,
                               years=max(1, round(app.settings.privacy.retention_days / 365)),
                               version=identity.notice_version()), id="notice", classes="flow-text")
            with Horizontal(classes="flow-buttons"):
                yield Button(app.t("privacy.agree"), id="agree", variant="primary")
                yield Button(app.t("privacy.disagree"), id="disagree")

    def on_mount(self) -> None:
        super().on_mount()
        # Enter agrees at once; the notice stays scrolled to its start, to be read first.
        self.set_focus(self.query_one("#agree", Button), scroll_visible=False)

    @on(Button.Pressed, "#agree")
    def _agree(self) -> None:
        app = self.pst
        try:
            registered = register_visit(app.store, app.settings, service=self.service,
                                        purpose=self.purpose, consent=True, guest=self.guest,
                                        guest_id=self.guest_id, typed=self.typed, priority=self.priority)
        except Exception as exc:  # noqa: BLE001
            self.notify(friendly_error(app, exc), severity="error")
            return
        self.finish_with(registered.issued)

    @on(Button.Pressed, "#disagree")
    def _disagree(self) -> None:
        """No consent: nothing about the person is kept, but service is never refused."""
        app = self.pst
        try:
            issued = issue_ticket(app.store, app.settings, self.service, priority=self.priority)
        except Exception as exc:  # noqa: BLE001
            self.notify(friendly_error(app, exc), severity="error")
            return
        self.notify(app.t("privacy.no_consent_ticket"), timeout=8)
        self.finish_with(issued)
