"""Commands of the central store: schema, offices, publishing, sync, restore, and the
export of the ID hash key that restore takes back (a file kept offline, never the centre's)."""

from __future__ import annotations

import json
import sys

from kiosk.commands.common import Context, _dsn, _out
from kiosk.errors import Refused
from kiosk.i18n import t

SYNC_WAIT_SECONDS = 60


def cmd_central_init(ctx: Context) -> int:
    from kiosk import central

    applied = central.init(_dsn(ctx) or "", role_prefix=ctx.args.role_prefix)
    print(t("central.initialised", ctx.lang, applied=", ".join(map(str, applied)) or "-"))
    return 0


def cmd_central_add_office(ctx: Context) -> int:
    from kiosk import central

    role = central.add_office(_dsn(ctx) or "", ctx.args.code, name=ctx.args.name or "")
    print(t("central.office_added", ctx.lang, code=ctx.args.code, role=role))
    return 0


def cmd_central_publish(ctx: Context) -> int:
    import tomllib
    from pathlib import Path

    from kiosk import central

    path = Path(ctx.args.file)
    text = path.read_text(encoding="utf-8")
    payload = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    ref_id = central.publish(_dsn(ctx) or "", ctx.args.kind, json.loads(json.dumps(payload, default=str)),
                             office_code=ctx.args.office)
    print(t("cli.published", ctx.lang, kind=ctx.args.kind, id=ref_id))
    return 0


def cmd_sync(ctx: Context) -> int:
    from kiosk import sync

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
        if not ctx.args.status:
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
    from kiosk import restore

    done = restore.restore(ctx.store, ctx.settings, dsn=_dsn(ctx), office_code=ctx.args.office,
                           terminal=ctx.args.terminal, id_key_file=ctx.args.id_key_file)
    print(t("cli.restored", ctx.lang, terminal=done.terminal, **done.restored))
    if done.id_key:
        print(t("id_key.restored", ctx.lang, fingerprint=done.id_key))
    for table, count in done.skipped.items():
        key = "restore.skipped_users" if table == "users" else "restore.skipped"
        print(t(key, ctx.lang, table=table, count=count), file=sys.stderr)
    return 0


def cmd_key_export(ctx: Context) -> int:
    from kiosk import restore

    done = restore.export_id_key(ctx.store, ctx.settings, ctx.actor, ctx.args.file, force=ctx.args.force)
    print(t("id_key.exported", ctx.lang, path=done.path, office=done.office_code, fingerprint=done.fingerprint))
    return 0
