"""``pst-kiosk doctor``: what the office's IT person needs to know, in one table.

Each check says what it found and, when something needs action, what to do. The exit
status is that of the most serious check that needs action (documented codes, cli.py):
7 the store (damaged, migrations, disk nearly full), 6 the configuration (no office
set), 8 the printer, 11 the central link, 5 anything else that needs action (no recent
backup, an unsynchronised clock, the speech program missing, changes waiting long);
0 when nothing does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from kiosk.i18n import t

DISK_MIN_FREE = 1_000_000_000  # bytes: below this the store may stop growing
BACKUP_MAX_AGE = timedelta(days=2)
SYNC_MAX_AGE = timedelta(days=1)
SEVERITY = [7, 6, 8, 11, 5]  # most serious first


class Check(BaseModel):
    name: str  # store, migrations, outbox, print_jobs, disk, config, printer, central, sync, clock, speech, backup
    ok: bool
    value: str  # what was found
    action: str = ""  # what to do, when not ok (in the reader's language)
    code: int = 0  # exit status when not ok
    data: dict[str, Any] = {}


def _store_checks(ctx: Any, lang: str) -> list[Check]:
    from kiosk import retention
    from kiosk.errors import DomainError
    from kiosk.store import schema_version, unreadable_changes

    path = ctx.settings.db_path
    try:
        store = ctx.store
    except DomainError as exc:
        return [Check(name="store", ok=False, value=str(path), action=exc.message(lang), code=7)]
    result = store.conn.execute("PRAGMA quick_check").fetchone()[0]
    size = retention.store_bytes(store)
    # A store that opens and reads but cannot be written (permissions, an immutable file, a
    # disk mounted read-only) refuses every ticket: what doctor is for, though it reads fine.
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    value = t("doctor.store", lang, path=str(path), size=f"{size / 1e6:.1f}", result=result)
    if result != "ok":
        action = t("backup.store_corrupt", lang, path=str(path), detail=result)
    elif not writable:
        value, action = f"{value}; {t('doctorwrite.readonly', lang)}", t("storefile.readonly", lang, path=str(path))
    else:
        action = ""
    checks = [Check(name="store", ok=result == "ok" and writable, code=7, value=value, action=action,
                    data={"path": str(path), "bytes": size, "quick_check": result, "writable": writable})]
    found = store.conn.execute("PRAGMA user_version").fetchone()[0]
    known = schema_version()
    checks.append(Check(name="migrations", ok=found == known, code=7,
                        value=t("doctor.migrations", lang, found=found, known=known),
                        action="" if found == known else t("doctor.migrations_action", lang),
                        data={"user_version": found, "known": known}))
    # A pending change whose payload does not read back stops the sync at it (a damaged disk).
    pushed = int(store.meta("sync.pushed_seq") or 0)
    bad = unreadable_changes(store.conn, pushed)
    checks.append(Check(name="outbox", ok=not bad, code=7,
                        value=t("outbox.doctor", lang, pending=store.conn.execute(
                            "SELECT COUNT(*) FROM changes WHERE seq > ?", (pushed,)).fetchone()[0], bad=len(bad)),
                        action=t("outbox.damaged", lang, seq=bad[0], count=len(bad), path=str(path)) if bad else "",
                        data={"unreadable": bad[:100]}))
    checks.append(_print_jobs_check(store, lang, path))
    checks.append(_archive_check(store, lang, path))
    free = shutil.disk_usage(path.parent).free
    checks.append(Check(name="disk", ok=free >= DISK_MIN_FREE, code=7,
                        value=t("doctor.disk", lang, free=f"{free / 1e9:.1f}", path=str(path.parent)),
                        action="" if free >= DISK_MIN_FREE else t("doctor.disk_action", lang),
                        data={"free_bytes": free}))
    return checks


def _print_jobs_check(store: Any, lang: str, path: Any) -> Check:
    """Print jobs whose stored document does not read back (a damaged disk): they never print."""
    from kiosk import printing

    bad = printing.unreadable_documents(store)
    jobs = store.conn.execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0]
    return Check(name="print_jobs", ok=not bad, code=7, value=t("printpack.doctor", lang, jobs=jobs, bad=len(bad)),
                 action=t("printpack.doctor_action", lang, job=bad[0], count=len(bad), path=str(path)) if bad else "",
                 data={"jobs": jobs, "unreadable": bad[:100]})


def _archive_check(store: Any, lang: str, path: Any) -> Check:
    """Archived days that do not read back (a damaged disk): the reports miss them."""
    from kiosk import archive

    bad = archive.damaged(store.conn)
    days = archive.day_count(store)
    tickets = archive.count(store, "tickets")
    bad_days = len({entry.split()[0] for entry in bad})
    return Check(name="archive", ok=not bad, code=7,
                 value=t("archive.doctor", lang, days=days, tickets=tickets, bad=bad_days),
                 action=t("archive.doctor_action", lang, day=bad[0], count=bad_days, path=str(path)) if bad else "",
                 data={"days": days, "tickets": tickets, "unreadable": bad[:100]})


# Checks whose name is catalogued outside [doctor.name] (a TOML table cannot be reopened).
_NAME_KEYS = {"print_jobs": "printpack.doctor_name", "archive": "archive.doctor_name"}


def _config_check(ctx: Any, lang: str) -> Check:
    from kiosk import config as config_mod

    path = config_mod.config_path(ctx.args.config)
    office = ctx.settings.office
    where = str(path) if path.exists() else t("doctor.config_defaults", lang, path=str(path))
    unset = office.code == "0000"
    return Check(name="config", ok=not unset, code=6,
                 value=t("doctor.config", lang, where=where, code=office.code, name=office.name),
                 action=t("doctor.config_action", lang) if unset else "",
                 data={"path": str(path), "exists": path.exists(), "office_code": office.code})


def _printer_checks(ctx: Any, lang: str) -> list[Check]:
    """Every printer of the office, asked side by side as ``printer status`` asks them
    (``printing.printer_states``): ``printer`` for the shared one, ``printer:NAME`` for a
    named one. A connection that cannot answer (file, CUPS) is no finding."""
    from kiosk import printing

    checks = []
    for name, state in printing.printer_states(ctx.settings).items():
        url = printing.printer_url(ctx.settings, name)
        ok = state in ("ready", "paper_low", "unconfirmed", "none")
        checks.append(Check(
            name="printer" if name == "default" else f"printer:{name}", ok=ok, code=8,
            value=t("doctor.printer", lang, url=url, state=t(f"doctor.printer_{state}", lang)),
            action="" if ok else t("doctor.printer_action", lang), data={"url": url, "state": state}))
    return checks


def _central_checks(ctx: Any, lang: str) -> list[Check]:
    from kiosk.central import sync

    dsn = ctx.settings.central_dsn
    checks = []
    if not dsn:
        checks.append(Check(name="central", ok=True, value=t("doctor.central_none", lang), data={"configured": False}))
    else:
        from kiosk.central import admin as central
        from kiosk.dsn import describe

        try:
            with central.connect(dsn, timeout=3) as conn:
                # Reachable is not enough: a role of another office has every row refused.
                sync.check_office(conn, ctx.settings.office.code, conn.info.user)
            checks.append(Check(name="central", ok=True, value=t("doctor.central_ok", lang, dsn=describe(dsn)),
                                data={"configured": True, "reachable": True}))
        except Exception as exc:  # noqa: BLE001 - any failure to reach it is the finding
            detail = exc.message(lang) if hasattr(exc, "message") else central.short_error(exc)
            checks.append(Check(name="central", ok=False, code=11,
                                value=t("doctor.central_down", lang, dsn=describe(dsn), detail=detail),
                                action=t("doctor.central_action", lang),
                                data={"configured": True, "reachable": False}))
    if ctx._store is None:  # the store could not be opened: said above
        return checks
    state = sync.status(ctx.store)
    now = ctx.store.clock.now()
    stale = bool(dsn) and state.pending > 0 and (state.last_success is None or now - state.last_success > SYNC_MAX_AGE)
    tz = ctx.settings.office.tz
    last = f"{state.last_success.astimezone(tz):%d-%m-%Y %H:%M}" if state.last_success else "-"
    error = ctx.store.meta("sync.last_error") or ""
    checks.append(Check(name="sync", ok=not stale, code=5,
                        value=t("doctor.sync", lang, last=last, pending=state.pending,
                                holder=sync.holder(ctx.store) or "-")
                        + (t("outbox.sync.last_error", lang, error=error) if error and dsn else ""),
                        action=t("doctor.sync_action", lang) if stale else "",
                        data=json.loads(state.model_dump_json())))
    return checks


def _clock_check(ctx: Any, lang: str) -> Check:
    tz = ctx.settings.office.tz
    now = datetime.now(tz)
    synced = None
    if shutil.which("timedatectl"):
        try:
            out = subprocess.run(["timedatectl", "show", "-p", "NTPSynchronized", "-p", "Timezone"],
                                 capture_output=True, text=True, timeout=3).stdout
            values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
            synced = values.get("NTPSynchronized") == "yes" if "NTPSynchronized" in values else None
        except (OSError, subprocess.SubprocessError):
            synced = None
    state = {True: "doctor.ntp_yes", False: "doctor.ntp_no", None: "doctor.ntp_unknown"}[synced]
    return Check(name="clock", ok=synced is not False, code=5,
                 value=t("doctor.clock", lang, now=f"{now:%d-%m-%Y %H:%M:%S}", tz=str(tz), ntp=t(state, lang)),
                 action=t("doctor.clock_action", lang) if synced is False else "",
                 data={"now": now.isoformat(), "timezone": str(tz), "ntp_synchronized": synced})


def _speech_check(ctx: Any, lang: str) -> Check:
    from kiosk.announce import speech_program

    display = ctx.settings.display
    program, found = speech_program(display)
    ok = found is not None or not display.voice
    return Check(name="speech", ok=ok, code=5,
                 value=t("doctor.speech", lang, program=program or "-", state=t(
                     "doctor.found" if found else "doctor.missing", lang)),
                 action="" if ok else t("doctor.speech_action", lang, program=program),
                 data={"program": program, "path": found, "voice": display.voice})


def _backup_check(ctx: Any, lang: str) -> Check:
    from kiosk import backup

    newest = backup.newest(backup.default_dir(ctx.settings), ctx.settings.office.code)
    if newest is None:
        return Check(name="backup", ok=False, code=5, value=t("doctor.backup_none", lang),
                     action=t("doctor.backup_action", lang), data={"newest": None})
    made = datetime.fromtimestamp(newest.stat().st_mtime).astimezone()
    age = datetime.now().astimezone() - made
    ok = age <= BACKUP_MAX_AGE
    return Check(name="backup", ok=ok, code=5,
                 value=t("doctor.backup", lang, path=str(newest), hours=f"{age.total_seconds() / 3600:.0f}"),
                 action="" if ok else t("doctor.backup_action", lang),
                 data={"newest": str(newest), "age_seconds": int(age.total_seconds())})


def run(ctx: Any) -> list[Check]:
    lang = ctx.lang
    checks = _store_checks(ctx, lang)
    checks.append(_config_check(ctx, lang))
    checks.extend(_printer_checks(ctx, lang))
    checks.extend(_central_checks(ctx, lang))
    checks.append(_clock_check(ctx, lang))
    checks.append(_speech_check(ctx, lang))
    checks.append(_backup_check(ctx, lang))
    return checks


def exit_code(checks: list[Check]) -> int:
    failing = {c.code for c in checks if not c.ok}
    return next((code for code in SEVERITY if code in failing), 0)


def table(checks: list[Check], lang: str) -> str:
    from kiosk.commands.common import fit

    lines = []
    for c in checks:
        mark = t("doctor.ok" if c.ok else "doctor.action", lang)
        name = t(_NAME_KEYS.get(c.name, "doctor.name." + c.name), lang)
        lines.append(f"{fit(name, 12)} {fit(mark, 6)} {c.value}")
        if c.action:
            lines.append(" " * 20 + "-> " + c.action)
    return "\n".join(lines)
