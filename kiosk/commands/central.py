"""Commands of the central store: schema, offices, publishing, sync, restore, and the
export of the ID hash key that restore takes back (a file kept offline, never the centre's)."""

from __future__ import annotations

import json
import sys

from kiosk.commands.common import Context, _dsn, _out, ask_twice, save_config
from kiosk.errors import FieldInvalid, Invalid, Refused
from kiosk.i18n import t

SYNC_WAIT_SECONDS = 60


def cmd_central_init(ctx: Context) -> int:
    from kiosk.central import admin

    applied = admin.init(_dsn(ctx) or "", role_prefix=ctx.args.role_prefix)
    print(t("central.initialised", ctx.lang, applied=", ".join(map(str, applied)) or "-"))
    return 0


def cmd_central_add_office(ctx: Context) -> int:
    from kiosk.central import admin

    dsn = _dsn(ctx) or ""
    code = admin.check_office_code(ctx.args.code)
    # Before the password is asked: an existing office keeps its password unless told.
    existing = admin.existing_role(dsn, code)
    if existing and not ctx.args.reset_password:
        raise Refused("central.office_exists", code=code, role=existing)
    env = "PST_KIOSK_NEW_PASSWORD"
    password = admin.check_password(ask_twice(
        ctx, env, ("central.new_password", "central.new_password_again"),
        missing=Invalid({env: FieldInvalid("central.password_needed", env=env)}),
        differ=Invalid({env: FieldInvalid("central.entries_differ")})))
    role = admin.add_office(dsn, code, name=ctx.args.name or "", password=password,
                              reset_password=ctx.args.reset_password)
    print(t("central.office_added", ctx.lang, code=code, role=role))
    return 0


def _read_payload(path_text: str) -> object:
    """The file's data (TOML by its suffix, else JSON), JSON-ready; unreadable or broken is
    invalid input (exit 9) naming the file and where it broke."""
    import tomllib
    from pathlib import Path

    path = Path(path_text)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Invalid({"file": FieldInvalid("central.unreadable_file", path=path_text,
                                            detail=exc.strerror or str(exc))}) from None
    except UnicodeDecodeError:
        raise Invalid({"file": FieldInvalid("central.bad_file", path=path_text, detail="not UTF-8 text")}) from None
    try:
        payload = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise Invalid({"file": FieldInvalid("central.bad_file", path=path_text, detail=str(exc))}) from None
    return json.loads(json.dumps(payload, default=str))  # TOML dates as the offices read them


def cmd_central_publish(ctx: Context) -> int:
    from kiosk.central import admin

    payload = _read_payload(ctx.args.file)
    ref_id = admin.publish(_dsn(ctx) or "", ctx.args.kind, payload, office_code=ctx.args.office)
    print(t("cli.published", ctx.lang, kind=ctx.args.kind, id=ref_id))
    return 0


def cmd_central_hash_pin(ctx: Context) -> int:
    """The argon2id hash of an officer's PIN for ``publish officers``; the PIN from
    PST_KIOSK_NEW_PIN or asked twice on the terminal."""
    from kiosk import accounts

    env = "PST_KIOSK_NEW_PIN"
    pin = ask_twice(ctx, env, ("cli.new_pin", "cli.new_pin_again"),
                    missing=Invalid({env: FieldInvalid("cli.pin_needed", env=env)}),
                    differ=Invalid({env: FieldInvalid("central.entries_differ")}))
    print(accounts.hash_pin(pin))
    return 0


def cmd_sync(ctx: Context) -> int:
    from kiosk.central import sync

    if not ctx.args.status:
        # A face of this store may be mid-round: wait for its lease rather than skip.
        result = sync.run(ctx.store, ctx.settings, dsn=_dsn(ctx), wait=SYNC_WAIT_SECONDS)
        if result.skipped:
            raise Refused("sync.busy", seconds=SYNC_WAIT_SECONDS)
    state = sync.status(ctx.store)
    configured = bool(_dsn(ctx))  # none: the changes stay here, which is not "offline"
    if ctx.args.json:
        _out({**state.model_dump(mode="json"), "configured": configured,
              **({} if ctx.args.status else {"pushed": result.pushed, "pulled": result.pulled,
                                             "refused": result.refused, "error": result.error})})
    else:
        # A round that failed before anything moved says only its error (below), not "pushed 0".
        if not ctx.args.status and (not result.error or result.pushed or result.pulled):
            print(t("cli.synced", ctx.lang, pushed=result.pushed, pulled=result.pulled))
            for refusal in result.refused:
                print(t("cli.sync_refused", ctx.lang, what=refusal), file=sys.stderr)
        tz = ctx.settings.office.tz
        last = f"{state.last_success.astimezone(tz):%d-%m-%Y %H:%M:%S}" if state.last_success else "-"
        if not configured:
            print(t("sync.not_configured", ctx.lang, pending=state.pending))
        else:
            print(t("cli.sync_status", ctx.lang, state=t("sync.online" if state.online else "sync.offline",
                                                         ctx.lang), pending=state.pending, last=last))
    if not ctx.args.status and result.error:
        print(f"pst-kiosk: {result.message(ctx.lang)}", file=sys.stderr)
        return 11
    return 0


def cmd_restore(ctx: Context) -> int:
    from kiosk.central import restore

    if ctx.args.from_backup:
        from kiosk.commands.maintenance import restore_from_backup

        return restore_from_backup(ctx)

    done = restore.restore(ctx.store, ctx.settings, dsn=_dsn(ctx), office_code=ctx.args.office,
                           terminal=ctx.args.terminal, id_key_file=ctx.args.id_key_file)
    print(t("cli.restored", ctx.lang, terminal=done.terminal, **done.restored))
    if ctx.settings.office.code == restore.UNCONFIGURED:
        _configure_restored(ctx, ctx.args.office, done.office_name)
    if done.id_key:
        print(t("id_key.restored", ctx.lang, fingerprint=done.id_key))
    for table, count in done.skipped.items():
        key = "restore.skipped_users" if table == "users" else "restore.skipped"
        print(t(key, ctx.lang, table=table, count=count), file=sys.stderr)
    return 0


def cmd_key_export(ctx: Context) -> int:
    from kiosk.central import restore

    done = restore.export_id_key(ctx.store, ctx.settings, ctx.actor, ctx.args.file, force=ctx.args.force)
    print(t("id_key.exported", ctx.lang, path=done.path, office=done.office_code, fingerprint=done.fingerprint))
    return 0


def _configure_restored(ctx: Context, code: str, name: str | None) -> None:
    """A PC whose configuration named no office is now this office's: the file says so
    (code, the centre's name unless one is set, a staff exit code), so it needs no ``init``."""
    from kiosk import config as config_mod

    path = config_mod.config_path(ctx.args.config)
    raw = config_mod.read_file(path)
    office = raw.setdefault("office", {})
    office["code"] = code
    if name and not office.get("name"):
        office["name"] = name[:80]
    exit_code = save_config(ctx, path, raw)
    print(t("restore.configured", ctx.lang, path=str(path), code=code, name=ctx.settings.office.name))
    if exit_code:
        print(t("cli.exit_code", ctx.lang, code=exit_code))
