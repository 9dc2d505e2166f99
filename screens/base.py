"""What the three faces share: settings, the store, language, change polling, the spooler.

Faces see each other's writes by polling ``PRAGMA data_version`` (cheap) and re-reading
only when it moves; their own commits (which ``data_version`` does not count) by the
connection's ``total_changes``. Printing runs in thread workers with their own store connection, so
a hanging printer never blocks a face.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual import events, work
from textual._styles_cache import StylesCache
from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.dom import DOMNode
from textual.reactive import reactive
from textual.widgets import Checkbox, Header, Input, Static

from kiosk import hold_startup_objects, settle_gc
from kiosk.clock import Clock, SystemClock
from kiosk.i18n import t
from kiosk.queue import Queue
from kiosk.services import Service
from kiosk.store import Store
from kiosk.text import neutralise
from kiosk.tickets import queue_for
from screens.kept_css import keep_parsed_css

if TYPE_CHECKING:  # the printing code loads when something prints (the display never does)
    from kiosk import printing
    from kiosk.config import Settings

POLL_SECONDS = 0.25
SPOOL_SECONDS = 5.0
SYNC_SECONDS = 30.0
SYNC_MAX_BACKOFF = 600.0
PRINTER_SECONDS = 15.0
SETTLE_SECONDS = 1.0  # start-up's garbage collector thresholds (kiosk.settle_gc) until then
AFTER_PAINT_LATEST = 0.5  # after_paint's work runs by then even if no paint was seen
# States a visitor or an officer must hear about (the rest: ready, paper low, sent, none).
PRINTER_TROUBLE = ("paper_out", "cover_open", "offline", "unreachable", "no_answer")

# Line breaks and tabs in a paste into a one-line field (runs of them: one space).
_ONE_LINE = re.compile(r"[ \t]*[\r\n\t]+[ \t]*")


def fit_name(service: Service, lang: str, width: int | None) -> str:
    """The service's name if it fits in ``width`` cells, else its short name ("Konsultasi",
    "Sales"), else as many whole words of that as fit; "" when not one word fits, never a
    word cut. ``None``: the width is not known yet, the full name."""
    full, short = service.name(lang), service.short_name(lang)
    candidates = [full, *([short] if short != full else [])]
    words = short.split()
    candidates += [" ".join(words[:count]) for count in range(len(words) - 1, 0, -1)]
    for name in candidates:
        if width is None or cell_len(name) <= width:
            return name
    return ""


def fit_service(service: Service, lang: str, width: int | None) -> str:
    """The service's letter and the name that fits beside it in ``width`` cells ("C
    Konsultasi", "B Sales"), at least the letter."""
    name = fit_name(service, lang, None if width is None else width - cell_len(service.letter) - 1)
    return f"{service.letter} {name}" if name else service.letter


class ItemLine(Static):
    """Items side by side that wrap between items, never inside one ("C Konsultasi
    Statistik: 0" stays whole at 80 columns). Rich breaks at any space, no-break ones too,
    so the lines are packed here, again whenever the widget's width changes."""

    def __init__(self, *, separator: str = "   ", id: str | None = None,  # noqa: A002
                 classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.separator = separator
        self.items: list[str] = []
        self._packed = ""

    def set_items(self, items: list[str]) -> None:
        """``items`` are markup; escape plain text first."""
        self.items = list(items)
        self._pack()

    def on_resize(self) -> None:
        self._pack()

    def _pack(self) -> None:
        # Before the first layout, guess a full-width line: when the guess holds, the Resize
        # that follows changes nothing and the screen is laid out once.
        width = self.content_region.width or max(self.app.size.width - self.styles.gutter.width, 1)
        lines: list[list[str]] = [[]]
        used = 0
        for item in self.items:
            cells = Content.from_markup(item).cell_length  # as the Static shows it (Textual markup)
            gap = len(self.separator) if lines[-1] else 0
            if lines[-1] and used + gap + cells > width:
                lines.append([])
                used, gap = 0, 0
            lines[-1].append(item)
            used += gap + cells
        text = "\n".join(self.separator.join(line) for line in lines)
        if text != self._packed:  # an unchanged line costs no layout
            self._packed = text
            self.update(text)


def prune_watchers(node: DOMNode) -> None:
    """Drop what removed widgets left watching ``node``'s reactives. ``watch`` and
    ``data_bind`` keep ``(watcher, callback)`` on the watched node, and Textual drops a
    closed watcher only when that reactive changes again (textual#6666): every Header keeps
    a callback on the app's ``title`` and ``sub_title``, every FooterKey one on its Footer's
    ``compact``, which hardly ever change. This is Textual's own pruning, done now."""
    for watchers in getattr(node, "__watchers", {}).values():
        watchers[:] = [(watcher, callback) for watcher, callback in watchers if not watcher._closing]


def forget_drawn_lines() -> None:
    """Let go of the lines drawn for widgets already removed. Textual's
    ``StylesCache.get_inner_outer`` is an ``lru_cache`` on a method, so its 1024 keys hold
    the widgets' StylesCache objects, each with the lines last drawn: a removed widget's
    lines stayed until 1024 newer draws pushed them out (the counter's summary, opened
    every few tickets, left about 1 MB a time). Only two Styles are cached per entry:
    clearing costs a recomputation, nothing else."""
    clear = getattr(StylesCache.get_inner_outer, "cache_clear", None)
    if clear is not None:
        clear()


class TitleHeader(Header):
    """Textual's Header, whose title watchers let a header being removed pass quietly.
    Each Header watches the app's and its screen's title; a title set while a screen closes
    (the counter's login over an open desk, a logout) reached a header whose title label was
    already gone, and Textual's watcher only lets ``NoScreen`` pass, not ``NoMatches``."""

    def _on_mount(self, event: events.Mount) -> None:
        from textual.css.query import NoMatches
        from textual.dom import NoScreen
        from textual.widget import Widget
        from textual.widgets._header import HeaderTitle

        # Instead of Header's own watchers (Textual runs every class's handler unless told not).
        event.prevent_default()
        Widget._on_mount(self, event)

        async def set_title() -> None:
            with suppress(NoMatches, NoScreen):
                self.query_one(HeaderTitle).update(self.format_title())

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)


class TickBox(Checkbox):
    """A check box that shows its state by shape, not by colour alone: ``▐✓▌`` ticked,
    ``▐ ▌`` not (Textual draws ``▐X▌`` either way, told apart only by colour: lost on a
    screen in sunlight and to colour-blind visitors)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return "✓" if self.value else " "


class LogoutKey:
    """For the counter's screens besides its main one: Ctrl+L (a binding to ``logout``) leaves
    the account as the counter's ``action_logout`` does; on an open desk there is no account
    to leave, so the key is off and its label hidden."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "logout" or self.app.user is not None  # type: ignore[attr-defined]

    def action_logout(self) -> None:
        self.app.action_logout()  # type: ignore[attr-defined]


# A focused field's editing keys, run as the app reads them (PstApp.on_event); Enter, Tab and
# the keys the faces bind with priority (Ctrl+Q/C/Z, F10) are not among them.
EDIT_KEYS = frozenset({"backspace", "delete", "left", "right", "home", "end", "shift+left",
                       "shift+right", "shift+home", "shift+end", "ctrl+left", "ctrl+right",
                       "ctrl+shift+left", "ctrl+shift+right", "ctrl+w", "ctrl+u", "ctrl+k",
                       "ctrl+f", "ctrl+d", "ctrl+a", "ctrl+e"})


class PstApp(App[None]):
    """Base of the faces. Screens call ``self.app.queue`` and friends, never SQL."""

    # Tab moves the focus as the app reads it, before the keys after it are handed on: as a
    # widget's (non-priority) binding it ran only once the key had bubbled up from the
    # focused field, and keys arriving together with it (a fast typist, a terminal's burst)
    # were typed into the field being left: a PIN into the username, shown in clear.
    FOCUS_BINDINGS = [Binding("tab", "focus_next", show=False, priority=True),
                      Binding("shift+tab", "focus_previous", show=False, priority=True)]
    BINDINGS = FOCUS_BINDINGS  # (a face that does not inherit bindings lists them itself)

    lang: reactive[str] = reactive("id")

    def __init__(self, settings: Settings, *, lang: str | None = None, clock: Clock | None = None,
                 spool: bool = True) -> None:
        hold_startup_objects()  # before the app makes its own (issue 17)
        super().__init__()
        self.settings = settings
        self.clock = clock or SystemClock()
        self.store = Store(settings.db_path, clock=self.clock)
        self.queue: Queue = queue_for(self.store, settings)
        self.set_reactive(PstApp.lang, lang or settings.kiosk.language)
        self._data_version = self.store.data_version()  # the first screen reads fresh anyway
        self._own_changes = self.store.conn.total_changes
        self._spool_enabled = spool
        self.printer_states: dict[str, str] = {}  # name -> state, read in the background
        self._after_paint: list[Callable[[], object]] = []
        self._kept_css = keep_parsed_css(self)  # before Textual parses any CSS (issue 17)
        self._watched_printers: list[str] = []

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    # -- what a first screen shows a moment later ----------------------------------------

    def after_paint(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the terminal has been sent the next frame: work a screen's
        first paint need not wait for (issue 17: the counter's desk reminders). It runs at
        the latest after ``AFTER_PAINT_LATEST`` seconds, whatever happens to the paint."""
        self._after_paint.append(callback)
        self.set_timer(AFTER_PAINT_LATEST, self._run_after_paint)

    def _display(self, screen: Any, renderable: Any) -> None:
        """Textual's write of a frame to the terminal (``App._display``); ``after_paint``'s
        work follows the first one with something in it, outside a batch (a batch's frame is
        never shown)."""
        super()._display(screen, renderable)
        if self._after_paint and renderable is not None and not self._batch_count:
            self.call_later(self._run_after_paint)

    def _run_after_paint(self) -> None:
        callbacks, self._after_paint = self._after_paint, []
        for callback in callbacks:
            callback()

    def localize_bindings(self, node: DOMNode) -> None:
        """Footer labels from the catalogue: a binding's id is its catalogue key."""
        bindings = node._bindings.copy()
        for key, found in bindings.key_to_bindings.items():
            bindings.key_to_bindings[key] = [
                replace(b, description=self.t(b.id)) if b.id else b for b in found]
        node._bindings = bindings

    def more_keys(self, node: DOMNode, skip: tuple[str, ...] = ()) -> list[str]:
        """The keys a narrow footer has no room for (bindings with ``show=False`` and a
        catalogue id), as markup items for an ``ItemLine`` above it; ``skip``: ids left out."""
        return [f"[b]{self.get_key_display(b)}[/b] {b.description}"
                for (b,) in ((found[0],) for found in node._bindings.key_to_bindings.values())
                if not b.show and b.id and b.description and b.id not in skip]

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Paste) and not event.is_forwarded:
            # Keys never type a control character into a field (Textual inserts printable
            # ones only); a paste could: an ESC shown in a field reaches the terminal. The
            # trace stays visible (U+FFFD) and the form then refuses it, naming the field.
            text = event.text
            if isinstance(self.focused, Input):
                # A one-line field takes a pasted paragraph (an abstraksi from an e-mail) as
                # one line: its line breaks (CR from most terminals) and tabs are spaces, not
                # a refused U+FFFD, nor everything after the first line dropped unseen.
                text = _ONE_LINE.sub(" ", text)
            event.text = neutralise(text, keep="\n")
        elif (isinstance(event, events.Key) and not event.is_forwarded and event.key in EDIT_KEYS
              and isinstance(self.focused, Input)):
            # A field's editing keys are its (non-priority) bindings: Textual ran them only
            # once the key had come back up from the field, after the characters typed behind
            # it were already inserted, so Backspace x3 then '123' arriving together deleted
            # the '123' (a retyped ID number came out short). Queue the edit on the field
            # itself, behind the characters already handed to it and before those after.
            field = self.focused
            found = field._bindings.key_to_bindings.get(event.key, [])
            if found:
                field.call_later(self.run_action, found[0].action, field)
                return
        await super().on_event(event)

    def on_mount(self) -> None:
        self.set_interval(POLL_SECONDS, self._poll_store)
        self.screen_change_signal.subscribe(self, self._screen_changed, immediate=True)
        self.set_timer(SETTLE_SECONDS, self._settle)  # the first screen is painted by then
        if self._spool_enabled and any(self._printer_configured(name) for name in self.settings.printer_names()):
            self.set_interval(SPOOL_SECONDS, self.run_spooler)
        self._sync_wait = SYNC_SECONDS
        if self.settings.central_dsn:
            self.set_timer(1.0, self.run_sync)
        self.set_interval(5.0, self.update_sync_bar)

    def _settle(self) -> None:
        """Start-up is over: the collector's usual thresholds, the CSS parsed anew kept."""
        settle_gc()
        if self._kept_css is not None:
            self._kept_css.keep()

    def _screen_changed(self, _screen: object) -> None:
        """A screen pushed or popped: what the screens closed since (their headers, a
        footer's old keys) stops being watched (``prune_watchers``) and their drawn lines go
        (``forget_drawn_lines``), so a counter that opens its lockers and summary all day
        keeps the same widgets, not one more set each time."""
        prune_watchers(self)
        forget_drawn_lines()
        for screen in self.screen_stack:
            for node in screen.walk_children(with_self=True):
                prune_watchers(node)

    # -- sync with the centre, off the UI thread, with back-off --------------------------

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def run_sync(self) -> None:
        from kiosk.central import sync

        try:
            with self._worker_store() as store:
                result = sync.run(store, self.settings)
        except Exception as exc:  # noqa: BLE001 - the next round tries again
            result = sync.SyncResult(error=type(exc).__name__)
        # Offline is normal: wait longer each time, up to ten minutes; back to 30 s once online.
        self._sync_wait = SYNC_SECONDS if result.ok else min(self._sync_wait * 2, SYNC_MAX_BACKOFF)
        with suppress(RuntimeError):  # the app stopped meanwhile: nothing to show
            self.call_from_thread(self._after_sync)

    def _after_sync(self) -> None:
        if self.is_running:
            self.update_sync_bar()
            self.set_timer(self._sync_wait, self.run_sync)

    def sync_text(self) -> str:
        from kiosk.central import sync

        state = sync.status(self.store)
        if not self.settings.central_dsn:
            return self.t("sync.not_configured", pending=state.pending)
        last = (f"{state.last_success.astimezone(self.settings.office.tz):%d-%m %H:%M}"
                if state.last_success else self.t("sync.never"))
        return self.t("sync.bar", state=self.t("sync.online" if state.online else "sync.offline"),
                      pending=state.pending, last=last)

    def update_sync_bar(self) -> None:
        for bar in self.screen.query(".sync-bar"):
            bar.update(self.sync_text())

    def _poll_store(self) -> None:
        # data_version moves only for other connections' commits; total_changes counts this
        # connection's own rows, so a use case run from any screen (a referral from the
        # order screen) refreshes whatever screen shows next. A poll that comes as the app
        # closes, its screens gone, has nothing to refresh (every face: seen under load).
        if not self.screen_stack:
            return
        version, own = self.store.data_version(), self.store.conn.total_changes
        if (version, own) != (self._data_version, self._own_changes):
            self._data_version, self._own_changes = version, own
            self.store_changed()

    def action_help_quit(self) -> None:
        """Ctrl+C does not quit a Textual app: its hint ("Do you want to quit? Press ctrl+q
        to quit the app") in the user's language."""
        self.notify(self.t("firstday.quit_hint"), timeout=5)

    def store_changed(self) -> None:
        """Another connection (or this one) committed: let the screen refresh."""
        from textual.css.query import NoMatches

        screen = self.screen
        refresh = getattr(screen, "refresh_data", None)
        if refresh is not None and screen.is_mounted:
            with suppress(NoMatches):  # pushed but not composed yet: it reads the store on mount
                refresh()

    # -- printing, off the UI thread --------------------------------------------------

    def _worker_store(self) -> Store:
        return Store(self.settings.db_path, clock=self.clock)

    @work(thread=True, exclusive=True, group="spooler", exit_on_error=False)
    def run_spooler(self) -> None:
        """Retry due print jobs in the background."""
        from kiosk import printing

        with self._worker_store() as store:
            printing.run_due(store, self.settings)

    @work(thread=True, group="print", exit_on_error=False)
    def print_in_background(self, job_id: str | None,
                            done: Callable[[list[printing.PrintResult]], None]) -> None:
        """Print one job (None: retry every failed one) off the UI thread, then call ``done``
        on the UI thread. The worker belongs to the app, so leaving a screen does not stop it."""
        from kiosk import printing

        results: list[printing.PrintResult] = []
        try:
            with self._worker_store() as store:
                if job_id is None:
                    results = printing.retry(store, self.settings)
                else:
                    result = printing.print_job(store, self.settings, job_id)
                    results = [result] if result else []
        finally:
            def deliver() -> None:
                if self.is_running and self.screen_stack:  # the app may be closing meanwhile
                    done(results)

            with suppress(RuntimeError):  # the app has already stopped: the job stays in the spool
                self.call_from_thread(deliver)

    # -- printer states, read off the UI thread -----------------------------------------

    def watch_printers(self, names: list[str]) -> None:
        """Read these printers' states now and every PRINTER_SECONDS (sends no paper)."""
        self._watched_printers = [n for n in names if self._printer_configured(n)]
        if self._watched_printers:
            self.check_printers()
            self.set_interval(PRINTER_SECONDS, self.check_printers)

    def _printer_configured(self, name: str) -> bool:
        """``printing.printer_url(settings, name) != "none"``, without loading the printing
        code before the first paint (a face with no printer never loads it)."""
        named = self.settings.printer_named(name)
        return named is not None and named.url != "none"

    @work(thread=True, exclusive=True, group="printers", exit_on_error=False)
    def check_printers(self) -> None:
        from kiosk import printing

        with self._worker_store() as store:
            busy = printing.busy_printers(store)
        asked = [n for n in self._watched_printers if n not in busy or n not in self.printer_states]
        # A printer busy with a job keeps the state last read (asked again next round).
        states = {**self.printer_states, **printing.printer_states(self.settings, asked)}
        with suppress(RuntimeError):  # the app stopped meanwhile
            self.call_from_thread(self._printers_read, states)

    def _printers_read(self, states: dict[str, str]) -> None:
        self.printer_states = states
        show = getattr(self.screen, "show_printers", None)
        if show is not None and self.screen.is_mounted:
            from textual.css.query import NoMatches

            with suppress(NoMatches):
                show()

    def printer_line(self) -> str:
        """``Printer: kiosk siap · loket kertas habis`` ("" before the first reading)."""
        if not self.printer_states:
            return ""
        parts = [f"{name} {self.t('printing.state.' + state)}" for name, state in self.printer_states.items()]
        return self.t("printing.bar", states=" · ".join(parts))

    def on_unmount(self) -> None:
        self.store.close()
        if self._kept_css is not None:  # a face closed within its first second keeps them too
            self._kept_css.keep()


def friendly_error(app: PstApp, exc: Exception) -> str:
    """The message a person sees for a failure: the domain's own, or a generic one."""
    from kiosk.errors import DomainError

    if isinstance(exc, DomainError):
        return exc.message(app.lang)
    app.log.error(f"unexpected {type(exc).__name__}: {exc}")
    return t("error.internal", app.lang)
