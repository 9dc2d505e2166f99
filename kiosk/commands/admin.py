"""Commands of the admin: accounts, audit trail, purge, a data subject's requests, lockers."""

from __future__ import annotations

import sys
from datetime import datetime, time

from kiosk import accounts, audit, identity, lockers, privacy
from kiosk.commands.common import Context, _out, ask_twice, fit
from kiosk.commands.common import parse_day as _day
from kiosk.errors import DomainError
from kiosk.i18n import t


def _new_pin(ctx: Context) -> str:
    return ask_twice(ctx, "PST_KIOSK_NEW_PIN", ("cli.new_pin", "cli.new_pin_again"),
                     missing=accounts.Forbidden("cli.pin_needed", env="PST_KIOSK_NEW_PIN"),
                     differ=DomainError("cli.pin_mismatch"))


def cmd_user_add(ctx: Context) -> int:
    accounts.display_name(ctx.args.name, ctx.args.username)  # refused before the PIN is asked
    accounts.check_add(ctx.store, ctx.actor, username=ctx.args.username, role=ctx.args.role)
    user = accounts.add_user(ctx.store, ctx.actor, username=ctx.args.username,
                             name=ctx.args.name or ctx.args.username, role=ctx.args.role,
                             pin=_new_pin(ctx))
    print(t("cli.user_added", ctx.lang, username=user.username, role=user.role))
    return 0


def cmd_user_list(ctx: Context) -> int:
    users = accounts.list_users(ctx.store, ctx.actor)
    if ctx.args.json:  # pin_rule: true met the PIN rule when set, false below it, null not known
        _out([{**u.public(), "pin_rule": u.pin_rule} for u in users])
        return 0
    weak = t("pin.below_rule", ctx.lang)
    for u in users:
        state = t("cli.user_active" if u.active else "cli.user_disabled", ctx.lang)
        mark = "" if u.pin_rule else f"  ! {weak}"
        print(f"{u.username:<16} {fit(u.name, 28)} {u.role:<10} {state}{mark}")
    if not users:
        print(t("cli.no_users", ctx.lang))
    elif any(not u.pin_rule for u in users):
        print(t("pin.below_rule_note", ctx.lang))
    return 0


def cmd_user_disable(ctx: Context) -> int:
    user = accounts.disable_user(ctx.store, ctx.actor, ctx.args.username)
    print(t("cli.user_disabled_done", ctx.lang, username=user.username))
    return 0


def cmd_user_enable(ctx: Context) -> int:
    user = accounts.enable_user(ctx.store, ctx.actor, ctx.args.username)
    print(t("cli.user_enabled_done", ctx.lang, username=user.username))
    return 0


def cmd_user_reset_pin(ctx: Context) -> int:
    accounts.target(ctx.store, ctx.actor, ctx.args.username)  # before asking for the PIN
    user = accounts.reset_pin(ctx.store, ctx.actor, ctx.args.username, _new_pin(ctx))
    print(t("cli.user_pin_reset", ctx.lang, username=user.username))
    if not user.active:
        print(t("cli.user_still_disabled", ctx.lang, username=user.username))
    return 0


def cmd_exit_code(ctx: Context) -> int:
    """The kiosk's staff exit code, to an admin on the command line (made first if there is
    none or a weak one; ``--renew``: a new one). Audited: who saw or changed it, and when."""
    from kiosk import config as config_mod
    from kiosk.commands.common import ensure_exit_code

    accounts.require(ctx.store, ctx.actor, "admin")
    made = ensure_exit_code(ctx, renew=ctx.args.renew)
    code = ctx.settings.kiosk.staff_exit_code
    with ctx.store.write():
        audit.record(ctx.store, ctx.actor, "exit_code.renew" if made else "exit_code.show", None, None, {})
    key = "exit_code.renewed" if ctx.args.renew else "exit_code.shown"
    print(t(key, ctx.lang, code=code, config=str(config_mod.config_path(ctx.args.config))))
    return 0


def cmd_audit(ctx: Context) -> int:
    since = None
    if ctx.args.since:
        since = datetime.combine(_day(ctx.args.since), time.min, ctx.settings.office.tz)
    found = audit.trail(ctx.store, ctx.actor, since=since, username=ctx.args.user_filter,
                        action=ctx.args.action, limit=ctx.args.limit)
    if ctx.args.json:
        _out([e.model_dump(mode="json") for e in found])
    else:
        tz = ctx.settings.office.tz
        if not found:
            print(t("firstday.setup.audit_none", ctx.lang))
        for e in found:
            detail = " ".join(f"{k}={v}" for k, v in e.detail.items())
            print(f"{e.at.astimezone(tz):%Y-%m-%d %H:%M:%S}  {e.username or '-':<12} {e.action:<16} {detail}")
    if since is not None:
        _older_at_centre(ctx, since)
    return 0


def _older_at_centre(ctx: Context, since: datetime) -> None:
    """``audit --since`` a day before the oldest entry left on this PC, once entries were
    pruned (``maintenance``, the sync round): a line on standard error saying the older
    ones are at the centre (the list itself, and ``--json``, stay as they are)."""
    from kiosk.clock import iso
    from kiosk.retention import AUDIT_PRUNED

    if not ctx.store.meta(AUDIT_PRUNED):
        return
    row = ctx.store.row("SELECT min(at) AS oldest FROM audit")
    oldest = row["oldest"] if row else None
    if oldest is None or iso(since) >= oldest:
        return
    shown = datetime.fromisoformat(oldest).astimezone(ctx.settings.office.tz)
    print(t("firstday.setup.audit_older", ctx.lang, oldest=f"{shown:%Y-%m-%d %H:%M}",
            days=ctx.settings.retention.audit_days), file=sys.stderr)


def cmd_purge(ctx: Context) -> int:
    result = privacy.purge(ctx.store, ctx.actor, older_than_days=ctx.args.older_than)
    print(t("cli.purged", ctx.lang, guests=result.guests, lockers=result.lockers,
            days=ctx.args.older_than))
    return 0


# A data subject's statement: the stored columns in order, each with its label and how its
# value reads (codes -> the guestbook's names, times -> the office's, flags -> Ya/Tidak).
_GUEST_LABELS = {"id": "cli.subject.id", "created_at": "cli.subject.created_at",
                 "updated_at": "cli.subject.updated_at", "terminal_id": "cli.subject.terminal_id",
                 "id_masked": "cli.subject.id_masked", "email": "cli.subject.email",
                 "disability": "cli.subject.disability", "consent_version": "cli.subject.consent_version",
                 "consent_at": "cli.subject.consent_at", "anonymised_at": "cli.subject.anonymised_at"}
_CHOICES = ("id_type", "segment", "gender", "education", "purpose")
_TIMES = ("created_at", "updated_at", "consent_at", "anonymised_at", "assigned_at", "returned_at")


def _label(key: str, lang: str) -> str:
    """A stored column's label: the statement's own, else the guestbook form's, else the
    column name (a column added later still shows)."""
    from kiosk.i18n import catalogue

    if key in _GUEST_LABELS:
        return t(_GUEST_LABELS[key], lang)
    return t(f"guest.field.{key}", lang).rstrip(" *") if f"guest.field.{key}" in catalogue() else key


def _reads(ctx: Context, key: str, value: object) -> str:
    """A stored value as the statement shows it."""
    from kiosk.services import by_code

    lang = ctx.lang
    if value is None and key == "returned_at":
        return t("cli.subject.still_held", lang)
    if value is None or value == "":
        return "-"
    if key in _CHOICES:
        return identity.choice_name(key, str(value), lang)
    if key in _TIMES:
        when = datetime.fromisoformat(str(value)).astimezone(ctx.settings.office.tz)
        return f"{when:%d-%m-%Y %H:%M}"
    if key == "disability":
        return t("cli.subject.yes" if value else "cli.subject.no", lang)
    if key == "id_country":
        return identity.country_name(str(value), lang)
    if key == "service":
        try:
            return by_code(str(value)).name(lang)
        except DomainError:
            return str(value)
    if key == "status":
        return t(f"sales.status.{value}", lang)
    return str(value)


def _table(ctx: Context, columns: dict[str, str], rows: list[dict[str, object]]) -> None:
    """Rows under their headings (catalogue keys by column), each column as wide as its
    widest value: a statement is never cut short."""
    heads = {key: t(label, ctx.lang) for key, label in columns.items()}
    cells = [{key: _reads(ctx, key, row.get(key)) for key in columns} for row in rows]
    widths = {key: max(len(heads[key]), *(len(c[key]) for c in cells)) for key in columns}
    for line in (heads, *cells):
        print("  " + "  ".join(line[key].ljust(widths[key]) for key in columns).rstrip())


_VISIT_COLUMNS = {"created_at": "cli.subject.when", "ticket": "cli.subject.ticket",
                  "service": "cli.subject.service", "purpose": "cli.subject.purpose",
                  "segment": "cli.subject.segment", "education": "cli.subject.education",
                  "gender": "cli.subject.gender", "disability": "cli.subject.disability_short",
                  "consent_version": "cli.subject.notice_version"}
_LOCKER_COLUMNS = {"locker_no": "cli.subject.locker", "holder_name": "cli.subject.holder",
                   "id_type": "cli.subject.id_type", "id_masked": "cli.subject.id_masked",
                   "assigned_at": "cli.subject.assigned_at", "returned_at": "cli.subject.returned_at"}
_ORDER_COLUMNS = {"number": "cli.subject.order", "created_at": "cli.subject.when",
                  "status": "cli.subject.status", "customer_name": "cli.subject.customer"}


def cmd_guest_show(ctx: Context) -> int:
    found = privacy.subject_access(ctx.store, ctx.actor, ctx.args.who)
    if ctx.args.json:
        _out([d.model_dump(mode="json") for d in found])
        return 0
    lang = ctx.lang
    now = ctx.store.clock.now().astimezone(ctx.settings.office.tz)
    for n, data in enumerate(found, 1):
        if n > 1:
            print()
        print(t("cli.subject.title", lang, office=ctx.settings.office.name, now=f"{now:%d-%m-%Y %H:%M}"))
        if len(found) > 1:
            print(t("cli.subject.record", lang, n=n, total=len(found)))
        print(t("cli.subject_guest", lang))
        labels = {key: _label(key, lang) for key in data.guest}
        width = max(map(len, labels.values()))
        for key, value in data.guest.items():
            print(f"  {labels[key].ljust(width)}  {_reads(ctx, key, value)}")
        if data.archive_unreadable:
            print(t("archive.access_incomplete", lang, count=len(data.archive_unreadable),
                    first=data.archive_unreadable[0]))
        for key, rows, columns in (("visits", data.visits, _VISIT_COLUMNS),
                                   ("lockers", data.lockers, _LOCKER_COLUMNS),
                                   ("orders", data.orders, _ORDER_COLUMNS)):
            print(t(f"cli.subject_{key}", lang, count=len(rows)))
            if rows:
                _table(ctx, columns, rows)
    return 0


def cmd_guest_erase(ctx: Context) -> int:
    result = privacy.erase(ctx.store, ctx.actor, ctx.args.who)
    print(t("cli.guest_erased", ctx.lang, guests=len(result.guest_ids), lockers=result.lockers))
    print(t("backup.restore.erase_backups", ctx.lang))
    return 0


def cmd_locker_list(ctx: Context) -> int:
    if ctx.args.date:
        found = lockers.not_returned(ctx.store, ctx.settings, ctx.actor, _day(ctx.args.date))
    else:
        found = lockers.open_lockers(ctx.store, ctx.actor)
    if ctx.args.json:
        _out([lk.model_dump(mode="json") for lk in found])
        return 0
    tz = ctx.settings.office.tz
    for lk in found:
        id_type = identity.choice_name("id_type", lk.id_type, ctx.lang)
        print(f"{lk.locker_no:>3}  {fit(lk.holder_name, 28)} {fit(id_type, 20)} {fit(lk.id_masked, 18)} "
              f"{lk.assigned_at.astimezone(tz):%d-%m %H:%M}")
    if not found:
        print(t("cli.no_lockers", ctx.lang))
    return 0
