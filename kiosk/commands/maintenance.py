"""Commands that keep an office PC going for years: backup, restore from a backup,
maintenance (retention prune), doctor."""

from __future__ import annotations

import sqlite3
import sys

from kiosk.commands.common import Context, _out, save_config
from kiosk.i18n import t


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f}"


def cmd_backup(ctx: Context) -> int:
    from kiosk import backup

    made = backup.backup(ctx.store, ctx.settings, ctx.args.path, keep=ctx.args.keep)
    if ctx.args.json:
        _out({**made.model_dump(mode="json"), "personal_data": True, "notice": backup.NOTICE})
        return 0
    print(t("backup.made", ctx.lang, path=made.path, size=_mb(made.size), tickets=made.tickets,
            pending=made.pending, seconds=f"{made.seconds:.1f}"))
    if made.archive_unreadable:
        print(t("archive.backup_damaged", ctx.lang, count=len(made.archive_unreadable),
                first=made.archive_unreadable[0]), file=sys.stderr)
    print(t("backup.personal", ctx.lang))
    for old in made.removed:
        print(t("backup.rotated", ctx.lang, keep=ctx.args.keep, path=old))
    return 0


def restore_from_backup(ctx: Context) -> int:
    """``pst-kiosk restore --from-backup FILE [--force]``."""
    from kiosk import backup
    from kiosk import config as config_mod
    from kiosk.central.restore import UNCONFIGURED

    path = config_mod.config_path(ctx.args.config)
    configured = ctx.settings.office.code != UNCONFIGURED
    done = backup.restore_backup(ctx.settings, ctx.args.from_backup, force=ctx.args.force, configured=configured)
    print(t("backup.restored", ctx.lang, path=done.path, made_at=done.made_at, tickets=done.tickets,
            terminal=done.terminal, old=done.restored_from, pending=done.pending))
    if done.replaced:
        print(t("backup.restore.replaced", ctx.lang, path=done.replaced))
    if done.reapplied is None:
        print(t("backup.restore.unreadable_replaced", ctx.lang, made_at=done.made_at), file=sys.stderr)
    elif done.replaced:
        print(t("backup.restore.reapplied", ctx.lang, guests=done.reapplied.guests, lockers=done.reapplied.lockers))
    if not configured and done.settings:
        # This PC named no office: the backup's configuration becomes its own (the central
        # link's password was never in the backup: set central_dsn again).
        raw = {**config_mod.read_file(path), **{k: v for k, v in done.settings.items() if k != "db"}}
        exit_code = save_config(ctx, path, raw)
        print(t("backup.configured", ctx.lang, code=done.office_code, path=str(path)))
        if exit_code:
            print(t("cli.exit_code", ctx.lang, code=exit_code))
    print(t("backup.personal", ctx.lang))
    return 0


MAINTENANCE_WAIT_SECONDS = 60


def cmd_maintenance(ctx: Context) -> int:
    from kiosk import archive, retention
    from kiosk.central.sync import SyncLock, holder
    from kiosk.errors import Refused, StoreError
    from kiosk.store import disk_full

    # One prune at a time: a sync round prunes under the same lock. Two at once shared the
    # work correctly but each kept the other's write-ahead log from shrinking (a trial saw
    # it grow by 390 MB: on a tight disk, the disk full).
    lock = SyncLock(ctx.store)
    if not lock.acquire():
        # Say why nothing happens for up to a minute, and who holds the lock (its pid).
        pid = holder(ctx.store)
        print(t("maintenance_wait.waiting", ctx.lang, seconds=MAINTENANCE_WAIT_SECONDS,
                pid=pid if pid and pid > 0 else "?"), file=sys.stderr)
        if not lock.acquire(wait=MAINTENANCE_WAIT_SECONDS):
            raise Refused("archive.maintenance_busy", seconds=MAINTENANCE_WAIT_SECONDS)
    done = retention.Pruned()
    days_before = archive.day_count(ctx.store)
    try:
        retention.prune(ctx.store, ctx.settings, result=done)
    except sqlite3.OperationalError as exc:
        # A full disk midway: each step (and each archived day) is a write of its own, so
        # what was done stays done and the day being archived stays as it was. Say so, not
        # "nothing was changed" (a trial saw that on every run while each one went on).
        if not disk_full(exc):
            raise
        raise StoreError("maintenance_full.stopped", path=str(ctx.settings.db_path), jobs=done.print_jobs,
                         days=archive.day_count(ctx.store) - days_before) from exc
    finally:
        lock.release()
    keep = ctx.settings.retention
    if ctx.args.json:
        _out({**done.model_dump(mode="json"), "changes_days": keep.changes_days,
              "print_jobs_days": keep.print_jobs_days, "audit_days": keep.audit_days,
              "detail_days": keep.detail_days})
        return 0
    if done.packed:
        print(t("sentpack.packed", ctx.lang, packed=done.packed, batch=retention.BATCH))
    print(t("maintenance.pruned", ctx.lang, changes=done.changes, jobs=done.print_jobs,
            changes_days=keep.changes_days, jobs_days=keep.print_jobs_days,
            before=_mb(done.size_before), after=_mb(done.size_after)))
    print(t("maintenance.pruned_audit", ctx.lang, audit=done.audit, audit_days=keep.audit_days))
    if done.archived:
        print(t("archive.packed", ctx.lang, rows=done.archived, days=keep.detail_days))
    if done.archive_refused:
        day, why = done.archive_refused[0].split()
        print(t("archive.refused", ctx.lang, count=len(done.archive_refused),
                first=f"{day}: {t('archive.' + why, ctx.lang)}"), file=sys.stderr)
    return 0


def cmd_doctor(ctx: Context) -> int:
    from kiosk import doctor

    checks = doctor.run(ctx)
    if ctx.args.json:
        _out({"ok": all(c.ok for c in checks), "exit_code": doctor.exit_code(checks),
              "checks": [c.model_dump(mode="json") for c in checks]})
    else:
        print(doctor.table(checks, ctx.lang))
    code = doctor.exit_code(checks)
    if code and not ctx.args.json:
        print(t("doctor.needs_action", ctx.lang, count=sum(not c.ok for c in checks)), file=sys.stderr)
    return code
