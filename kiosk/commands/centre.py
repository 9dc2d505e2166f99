"""Commands of the centre's readers: ``central add-reader`` and ``central report`` (the
``central dashboard`` face is in screens/). They need no office store: only the central DSN."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from kiosk.commands.common import Context, _dsn, _out, ask_twice, fit, report_period
from kiosk.errors import FieldInvalid, Invalid, Refused
from kiosk.i18n import t


def cmd_central_add_reader(ctx: Context) -> int:
    from kiosk.central import admin, readers

    dsn = _dsn(ctx) or ""
    name = readers.check_name(ctx.args.name)
    province = None if ctx.args.national else readers.check_province(ctx.args.province)
    # Before the password is asked: an existing reader keeps its password unless told.
    if readers.existing_reader(dsn, name) and not ctx.args.reset_password:
        raise Refused("centre.reader_exists", name=name)
    env = "PST_KIOSK_NEW_PASSWORD"
    password = admin.check_password(ask_twice(
        ctx, env, ("centre.new_password", "centre.new_password_again"),
        missing=Invalid({env: FieldInvalid("central.password_needed", env=env)}),
        differ=Invalid({env: FieldInvalid("central.entries_differ")})))
    readers.add_reader(dsn, name, province=province, password=password, reset_password=ctx.args.reset_password)
    scope = t("centre.national", ctx.lang) if province is None else t("centre.province", ctx.lang, province=province)
    print(t("centre.reader_added", ctx.lang, name=name, scope=scope))
    return 0


def cmd_central_report(ctx: Context) -> int:
    from kiosk.central import admin, readers, report

    now = datetime.now().astimezone()
    start, end = report_period(ctx, now.astimezone(ctx.settings.office.tz).date())
    readers.check_province(ctx.args.province)
    if ctx.args.office is not None:
        admin.check_office_code(ctx.args.office)
    with admin.session(_dsn(ctx), "report") as conn:
        data = report.central_report(conn, start, end, now=now, province=ctx.args.province,
                                     office=ctx.args.office)
    if ctx.args.csv:
        sys.stdout.write(report.to_csv(data))
    elif ctx.args.json:
        _out(data)
    else:
        print_report(data, ctx.lang, ctx.settings.office.tz)
    return 0


def print_report(data: dict[str, Any], lang: str, tz: Any) -> None:  # noqa: ANN401
    from kiosk.central.report import COLUMNS, namer, row_cells
    from kiosk.money import rupiah

    name = namer(lang)
    p, scope = data["period"], data["scope"]
    where = (scope["office"] or (t("centre.province", lang, province=scope["province"]) if scope["province"]
                                 else t("centre.all_offices", lang)))
    print(t("centre.report_title", lang, scope=where, start=p["from"], end=p["to"]))
    header = [t(f"centre.col.{c}", lang) for c in COLUMNS]
    rows = [row_cells(r, lang, tz) for r in [*data["offices"], data["total"]]]
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]
    widths[1] = min(widths[1], 24)
    for i, cells in enumerate([header, *rows]):
        if i == len(rows):  # the total after a rule
            print("-" * (sum(widths) + 2 * (len(widths) - 1)))
        print("  ".join(fit(cell, widths[j]) if j < 2 else cell.rjust(widths[j]) for j, cell in enumerate(cells))
              .rstrip())
    total = data["total"]
    print(t("centre.legend", lang, minutes=total["within_standard"]["minutes"] or "-"))
    visits = total["visits"]["by_service"]
    if visits:
        print(f"{t('centre.visits_by_service', lang)}: "
              + ", ".join(f"{name('service', k)} {n}" for k, n in visits.items()))
    sales = total["sales"]
    if sales["by_product"]:
        print(f"{t('centre.sales_by_product', lang)}:")
        for k, amount in sales["by_product"].items():
            print(f"  {name('product', k)}: {rupiah(amount)}")
    if sales["by_method"]:
        print(f"{t('centre.sales_by_method', lang)}: "
              + ", ".join(f"{name('method', k)} {rupiah(a)}" for k, a in sales["by_method"].items()))
    outcomes = total["consultations"]["by_outcome"]
    if outcomes:
        print(f"{t('centre.consultations', lang)}: "
              + ", ".join(f"{name('outcome', k)} {n}" for k, n in outcomes.items()))
    if total["data_not_available"]:
        print(f"{t('centre.data_not_available', lang)}:")
        for item in total["data_not_available"][:20]:
            what = " / ".join(str(item[k]) for k in ("subject", "indicator", "region_level", "period") if item[k])
            print(f"  {item['count']:>4}  {what or '-'}")
