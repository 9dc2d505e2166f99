"""Commands of the admin: accounts, audit trail, purge, a data subject's requests, lockers."""

from __future__ import annotations

import os
from datetime import datetime, time

from kiosk import accounts, audit, lockers, privacy
from kiosk.commands.common import Context, _ask_pin, _out
from kiosk.commands.common import parse_day as _day
from kiosk.errors import DomainError
from kiosk.i18n import t


def _new_pin(ctx: Context) -> str:
    pin = os.environ.get("PST_KIOSK_NEW_PIN")
    if pin is not None:
        return pin
    first = _ask_pin(t("cli.new_pin", ctx.lang), env="PST_KIOSK_NEW_PIN")
    if _ask_pin(t("cli.new_pin_again", ctx.lang), env="PST_KIOSK_NEW_PIN") != first:
        raise DomainError("cli.pin_mismatch")
    return first


def cmd_user_add(ctx: Context) -> int:
    accounts.check_add(ctx.store, ctx.actor, username=ctx.args.username, role=ctx.args.role)
    user = accounts.add_user(ctx.store, ctx.actor, username=ctx.args.username,
                             name=ctx.args.name or ctx.args.username, role=ctx.args.role,
                             pin=_new_pin(ctx))
    print(t("cli.user_added", ctx.lang, username=user.username, role=user.role))
    return 0


def cmd_user_list(ctx: Context) -> int:
    users = accounts.list_users(ctx.store, ctx.actor)
    if ctx.args.json:
        _out([u.public() for u in users])
        return 0
    for u in users:
        state = t("cli.user_active" if u.active else "cli.user_disabled", ctx.lang)
        print(f"{u.username:<16} {u.name:<28} {u.role:<10} {state}")
    if not users:
        print(t("cli.no_users", ctx.lang))
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


def cmd_audit(ctx: Context) -> int:
    since = None
    if ctx.args.since:
        since = datetime.combine(_day(ctx.args.since), time.min, ctx.settings.office.tz)
    found = audit.trail(ctx.store, ctx.actor, since=since, username=ctx.args.user_filter,
                        action=ctx.args.action, limit=ctx.args.limit)
    if ctx.args.json:
        _out([e.model_dump(mode="json") for e in found])
        return 0
    tz = ctx.settings.office.tz
    for e in found:
        detail = " ".join(f"{k}={v}" for k, v in e.detail.items())
        print(f"{e.at.astimezone(tz):%Y-%m-%d %H:%M:%S}  {e.username or '-':<12} {e.action:<16} {detail}")
    return 0


def cmd_purge(ctx: Context) -> int:
    result = privacy.purge(ctx.store, ctx.actor, older_than_days=ctx.args.older_than)
    print(t("cli.purged", ctx.lang, guests=result.guests, lockers=result.lockers,
            days=ctx.args.older_than))
    return 0


def _label(key: str, lang: str) -> str:
    """A stored column's label: the guestbook form's, else the column name."""
    from kiosk.i18n import catalogue

    return t(f"guest.field.{key}", lang).rstrip(" *") if f"guest.field.{key}" in catalogue() else key


def cmd_guest_show(ctx: Context) -> int:
    found = privacy.subject_access(ctx.store, ctx.actor, ctx.args.who)
    if ctx.args.json:
        _out([d.model_dump(mode="json") for d in found])
        return 0
    for data in found:
        print(t("cli.subject_guest", ctx.lang))
        for key, value in data.guest.items():
            print(f"  {_label(key, ctx.lang):<34} {'' if value is None else value}")
        for key, rows in (("visits", data.visits), ("lockers", data.lockers), ("orders", data.orders)):
            print(t(f"cli.subject_{key}", ctx.lang, count=len(rows)))
            for row in rows:
                print("  " + "  ".join("" if v is None else str(v) for v in row.values()))
    return 0


def cmd_guest_erase(ctx: Context) -> int:
    result = privacy.erase(ctx.store, ctx.actor, ctx.args.who)
    print(t("cli.guest_erased", ctx.lang, guests=len(result.guest_ids), lockers=result.lockers))
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
        print(f"{lk.locker_no:>3}  {lk.holder_name:<28} {lk.id_type:<8} {lk.id_masked:<18} "
              f"{lk.assigned_at.astimezone(tz):%d-%m %H:%M}")
    if not found:
        print(t("cli.no_lockers", ctx.lang))
    return 0
