"""Commands of the desk's registers: the day's service records, the complaints."""

from __future__ import annotations

import sys

from kiosk.commands.common import Context, _out, fit, parse_day
from kiosk.i18n import t


def cmd_record_list(ctx: Context) -> int:
    """The day's visits (at a counter or finished) with their records, unrecorded first."""
    from kiosk.desk import records
    from kiosk.desk.subjects import subject_name
    from kiosk.services import by_code

    from kiosk import archive

    day = parse_day(ctx.args.date) if ctx.args.date is not None else None
    found = records.visits(ctx.store, ctx.settings, ctx.actor, day)
    if day and archive.unreadable_on(ctx.store, day, ("tickets", "service_records")):
        print(t("archive.day_incomplete", ctx.lang, day=day.isoformat()), file=sys.stderr)
    if ctx.args.json:
        _out([v.model_dump(mode="json") for v in found])
        return 0
    lang = ctx.lang
    for v in found:
        r = v.record
        what = "-"
        if r is not None:
            what = " • ".join(x for x in (
                subject_name(r.subject, lang) if r.subject else "", r.indicator or "",
                t(f"desk.outcome.{r.outcome}", lang) if r.outcome else "",
                ", ".join(p.title for p in r.publications), r.agency or "", r.note or "") if x) or "-"
        mark = t("desk.recorded", lang) if r else t("desk.not_recorded", lang)
        print(f"{v.number:<7} {fit(by_code(v.service).short_name(lang), 14)} {fit(mark, 7)} {what}")
    if not found:
        print(t("archive.visits_empty_day", lang, day=day.isoformat()) if day else t("desk.visits_empty", lang))
    return 0


def cmd_complaint_list(ctx: Context) -> int:
    """The register, overdue first; the text's first line (the full text: the counter)."""
    from kiosk.desk import complaints

    found = complaints.listing(ctx.store, ctx.settings, ctx.actor, include_closed=ctx.args.all)
    if ctx.args.json:
        _out([c.model_dump(mode="json") for c in found])
        return 0
    lang = ctx.lang
    today = ctx.store.clock.now().astimezone(ctx.settings.office.tz).date()
    for c in found:
        late = f" {t('desk.overdue_mark', lang)}" if c.overdue(today) else ""
        print(f"{c.number}  {c.due_date:%d-%m-%Y}{late}  {fit(t(f'desk.status.{c.status}', lang), 15)} "
              f"{fit(t(f'desk.kind.{c.kind}', lang), 10)} {fit(t(f'desk.channel.{c.channel}', lang), 14)} "
              f"{fit(c.text.splitlines()[0], 40)}")
    if not found:
        print(t("desk.complaints_empty", lang))
    return 0
