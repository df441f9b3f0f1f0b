"""The reports page: the period report and turnover, their CSV download, the journal's CSV.

Both are the API's own routes (``get_period_report``, ``get_turnover_report``) called with
the user's principal, so a client user's figures come from queries that read its owners'
rows only: the page and the CSV alike, whatever ``owner`` the URL names.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from collector.api import journal as api_journal
from collector.api import reports as api_reports
from collector.api.access import Action
from collector.api.context import ApiContext, Context
from collector.api.problems import ProblemError
from collector.console.guard import Viewer, page
from collector.console.render import html
from collector.domain.journal import journal_csv
from collector.domain.report import Grouping
from collector.ledger.engine import read_only_connection

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(page(Action.READ_REPORTS))]
KINDS = ("period", "turnover")
Text = Annotated[str, Query(max_length=255)]
ROWS_SHOWN = 200
"""Lines a report page shows (the total is always of all): the CSV holds every line."""
PERIOD_COLUMNS = tuple(api_reports.PeriodLineOut.model_fields)
TURNOVER_COLUMNS = tuple(api_reports.TurnoverLineOut.model_fields)


class ReportForm(BaseModel):
    """What the page's form sent, as text (empty: not given)."""

    kind: str = "period"
    """``period`` or ``turnover`` (anything else: the period report)."""
    first_day: str = ""
    last_day: str = ""
    by: str = Grouping.LOCATION.value
    tz: str = ""
    sku: str = ""
    location: str = ""
    owner: str = ""
    depth: str = ""

    def period_params(self, today: date) -> dict[str, Any]:
        """The API's query parameters (a period of this month so far when no days are given)."""
        found: dict[str, Any] = {
            "from": self.first_day or today.replace(day=1).isoformat(),
            "to": self.last_day or today.isoformat(),
            "by": self.by or Grouping.LOCATION.value,
        }
        for name in ("sku", "location", "owner", "depth"):
            if value := getattr(self, name).strip():
                found[name] = value
        return found


def form(  # noqa: PLR0917 - FastAPI passes the parameters by name
    kind: Annotated[str, Query(max_length=16)] = "period",
    first_day: Annotated[str, Query(alias="from", max_length=10)] = "",
    last_day: Annotated[str, Query(alias="to", max_length=10)] = "",
    by: Annotated[str, Query(max_length=16)] = "",
    tz: Annotated[str, Query(max_length=64)] = "",
    sku: Text = "",
    location: Text = "",
    owner: Text = "",
    depth: Annotated[str, Query(max_length=4)] = "",
) -> ReportForm:
    """The form's fields from the query string."""
    chosen = kind if kind in KINDS else "period"
    if not by:  # per site first: a warehouse's SKUs are thousands of lines
        by, depth = Grouping.LOCATION.value, depth or "1"
    return ReportForm(kind=chosen, first_day=first_day, last_day=last_day, by=by, tz=tz,
                      sku=sku, location=location, owner=owner, depth=depth)  # fmt: skip


Form = Annotated[ReportForm, Depends(form)]


def run_report(
    context: ApiContext, who: Viewer, sent: ReportForm, *, max_lines: int | None = None
) -> tuple[api_reports.PeriodReportOut | api_reports.TurnoverReportOut, int]:
    """The API's report for the form and how many lines it has (``ValidationError`` when a
    parameter is wrong); with ``max_lines`` a period report holds only its first lines."""
    today = context.clock.now().astimezone(api_reports.books_zone(context)).date()
    params = sent.period_params(today)
    with read_only_connection(context.engine) as conn:
        if sent.kind == "turnover":
            query = api_reports.ReportPeriod.model_validate(params)
            turnover = api_reports.get_turnover_report(query, context, conn, who.principal)
            return turnover, len(turnover.lines)
        if sent.tz.strip():
            params["tz"] = sent.tz.strip()
        period = api_reports.PeriodQuery.model_validate(params)
        if max_lines is None:
            found = api_reports.get_period_report(period, context, conn, who.principal)
            return found, len(found.lines)
        return api_reports.period_report_page(
            period, context, conn, who.principal, max_lines=max_lines
        )


def problems_of(err: ValidationError) -> list[str]:
    """What was wrong with the form, a line per field."""
    return [f"{'.'.join(map(str, e['loc'])) or 'period'}: {e['msg']}" for e in err.errors()]


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, context: Context, who: Reader, sent: Form) -> HTMLResponse:
    """The form, and the report it asks for (this month so far per site unless told)."""
    report, line_count = None, 0
    wrong: list[str] = []
    try:
        report, line_count = run_report(context, who, sent, max_lines=ROWS_SHOWN)
    except ValidationError as err:
        wrong = problems_of(err)
    columns = TURNOVER_COLUMNS if sent.kind == "turnover" else PERIOD_COLUMNS
    return html(
        request, "reports.html", session=who.session, principal=who.principal, title="Reports",
        sent=sent, report=report, wrong=wrong, columns=columns[1:], groupings=list(Grouping),
        shown=report.lines[:ROWS_SHOWN] if report else [], line_count=line_count,
        csv_url=request.url_for("report_csv_download").include_query_params(**dict(request.query_params)),
        journal_url=request.url_for("journal_csv_download").include_query_params(**dict(request.query_params)),
        status_code=422 if wrong else 200,
    )  # fmt: skip


@router.get("/reports/export.csv")
def report_csv_download(context: Context, who: Reader, sent: Form) -> Response:
    """The same report as CSV: a line per group, then the total (group ``*``)."""
    try:
        report, _count = run_report(context, who, sent)
    except ValidationError as err:
        text = "\n".join(problems_of(err))
        return Response(f"The report was not made: {text}\n", status_code=422,
                        media_type="text/plain")  # fmt: skip
    columns = TURNOVER_COLUMNS if sent.kind == "turnover" else PERIOD_COLUMNS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for line in [*report.lines, report.total]:
        values = line.model_dump(mode="json")
        writer.writerow(["" if values[c] is None else values[c] for c in columns])
    name = f"{sent.kind}-{report.first_day}-{report.last_day}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(out.getvalue(), media_type="text/csv", headers=headers)


@router.get("/reports/journal.csv")
def journal_csv_download(context: Context, who: Reader, sent: Form) -> Response:
    """The accounting journal of the form's days (books days) and owner, as CSV
    (docs/books.md): the API's own, so a client user's holds its owners' only."""
    today = context.clock.now().astimezone(api_reports.books_zone(context)).date()
    asked = sent.period_params(today)
    try:
        params = api_journal.JournalParams.model_validate(
            {k: v for k, v in asked.items() if k in ("from", "to", "owner")}
        )
    except ValidationError as err:
        text = "\n".join(problems_of(err))
        return Response(f"The journal was not made: {text}\n", status_code=422,
                        media_type="text/plain")  # fmt: skip
    with read_only_connection(context.engine) as conn:
        try:
            found = api_journal.journal_of(params, context, conn, who.principal)
        except ProblemError as err:
            return Response(f"No journal: {err.detail}\n", status_code=409,
                            media_type="text/plain")  # fmt: skip
    name = f"journal-{params.first_day}-{params.last_day}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(journal_csv(found.lines), media_type="text/csv", headers=headers)
