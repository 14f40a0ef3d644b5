"""The ``dashboard`` step and its sheet (issue 19): the headline figures equal the KPIs and
Aging sheets', the change since last month comes from Aging History, and the saved file
holds six native charts whose series point at the cells they plot; a re-run replaces the
dashboard's own charts (never piles them up) and leaves a user's charts alone."""
from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl.utils.cell import range_boundaries

from xl_collections.book import SheetOutput, TableBlock, open_book
from xl_collections.close.pipeline import run_close
from xl_collections.cli.demo import build_demo_book
from xl_collections.report import dashboard as d
from xl_collections.core.headers import contract_name
from xl_collections.report.dashboard_sheet import DASHBOARD_SHEET, dashboard_output, read_months

NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
NOW = dt.datetime(2026, 11, 2, 8, 0)


# ---- reading charts back from the saved package ------------------------------------------------

def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    d_, f = posixpath.split(part)
    name = posixpath.join(d_, "_rels", f + ".rels")
    if name not in z.namelist():
        return {}
    root = etree.fromstring(z.read(name))
    return {r.get("Id"): posixpath.normpath(posixpath.join(d_, r.get("Target")))
            for r in root.findall("p:Relationship", NS)}


def sheet_part(z: zipfile.ZipFile, sheet: str) -> str:
    wb = etree.fromstring(z.read("xl/workbook.xml"))
    rels = _rels(z, "xl/workbook.xml")
    el = next(s for s in wb.iter(f"{{{NS['m']}}}sheet") if s.get("name") == sheet)
    return rels[el.get(f"{{{NS['r']}}}id")]


def charts_of(path, sheet: str) -> list[dict]:
    """The charts on ``sheet``: part name, plot type, bar direction, grouping, the anchor's
    name and every series' (name ref, categories ref, values ref)."""
    with zipfile.ZipFile(path) as z:
        part = sheet_part(z, sheet)
        root = etree.fromstring(z.read(part))
        drawing = root.find("m:drawing", NS)
        if drawing is None:
            return []
        dpart = _rels(z, part)[drawing.get(f"{{{NS['r']}}}id")]
        drels = _rels(z, dpart)
        out = []
        for anchor in etree.fromstring(z.read(dpart)):
            ref = anchor.find(".//c:chart", NS)
            if ref is None:
                continue
            cpart = drels[ref.get(f"{{{NS['r']}}}id")]
            chart = etree.fromstring(z.read(cpart))
            plot = chart.find(".//c:plotArea", NS)
            kind = next(etree.QName(e).localname for e in plot if etree.QName(e).localname.endswith("Chart"))
            bar_dir = plot.find(".//c:barDir", NS)
            grouping = plot.find(".//c:grouping", NS)
            series = [(s.findtext("c:tx//c:f", namespaces=NS), s.findtext("c:cat//c:f", namespaces=NS),
                       s.findtext("c:val//c:f", namespaces=NS)) for s in plot.iter(f"{{{NS['c']}}}ser")]
            out.append({"part": cpart, "kind": kind, "dir": None if bar_dir is None else bar_dir.get("val"),
                        "grouping": grouping.get("val"), "name": anchor.find(".//xdr:cNvPr", NS).get("name"),
                        "title": "".join(chart.find("c:chart/c:title", NS).itertext()) if chart.find("c:chart/c:title", NS) is not None else "", "series": series})
        return out


def cells(grid: pd.DataFrame, ref: str) -> list:
    """The values of an A1 reference (``'Sheet'!$A$1:$A$5``) in a ``read_sheet`` grid."""
    a1 = ref.split("!")[1].replace("$", "")
    c0, r0, c1, r1 = range_boundaries(a1 if ":" in a1 else f"{a1}:{a1}")
    return [grid.at[r, c - 1] if r in grid.index and c - 1 in grid.columns else None
            for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


# ---- the demo close ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    d_ = tmp_path_factory.mktemp("dash")
    _, path = build_demo_book(d_, items=400, seed=5)
    book = open_book(path)
    report = run_close(book, now=NOW)
    book.save()
    return path, report.state


def test_the_dashboard_is_the_sheet_right_after_close(closed):
    path, _ = closed
    names = open_book(path).sheet_names()
    assert names[:2] == ["Close", "Dashboard"]


def test_six_native_charts_of_the_kinds_asked_for(closed):
    path, _ = closed
    charts = charts_of(path, DASHBOARD_SHEET)
    kinds = [(c["kind"], c["dir"], c["grouping"]) for c in charts]
    assert kinds == [("barChart", "col", "stacked"),        # aging trend by month
                     ("lineChart", None, "standard"),        # DSO trend
                     ("barChart", "bar", "stacked"),         # top 10 past-due customers
                     ("barChart", "bar", "clustered"),       # past due by collector
                     ("barChart", "col", "clustered"),       # cash applied per day
                     ("barChart", "bar", "stacked")]         # promises to pay by collector
    import openpyxl                                       # an independent reader parses the same six
    ws = openpyxl.load_workbook(path)[DASHBOARD_SHEET]
    assert [type(c).__name__ for c in ws._charts] == ["BarChart", "LineChart", *["BarChart"] * 4]
    assert [c["title"].split(" (")[0] for c in charts] == [
        "Aging trend by month", "DSO trend", "Top 10 past-due customers", "Past due by collector",
        "Cash applied per day", "Promises to pay by collector"]


def test_series_point_at_the_cells_they_plot(closed):
    path, state = closed
    grid = open_book(path).read_sheet(DASHBOARD_SHEET)
    charts = charts_of(path, DASHBOARD_SHEET)
    labels = list(state.results["aging"].labels)
    hist_bal = (state.results["aging_history"].pivot_table(index="period", columns="bucket", values="amount",
                                                           aggfunc="sum", fill_value=0))
    # aging trend: one series per bucket, the Aging History balance of each period and bucket
    trend = charts[0]
    assert [cells(grid, s[0])[0] for s in trend["series"]] == labels
    periods = cells(grid, trend["series"][0][1])
    assert periods == sorted(hist_bal.index)[-len(periods):] and periods[-1] == "2026-10" and len(periods) == 13
    for name_ref, _, val_ref in trend["series"]:
        bucket = cells(grid, name_ref)[0]
        got = [round(v * 100) for v in cells(grid, val_ref)]
        assert got == [int(hist_bal.at[p, bucket]) if bucket in hist_bal.columns else 0 for p in periods]
    # DSO trend: the last 13 rows of the Month by month table
    dso = charts[1]
    assert [cells(grid, s[0])[0] for s in dso["series"]] == [contract_name("DSO"), contract_name("Countback DSO")]
    assert cells(grid, dso["series"][0][1])[-1] == "2026-10"
    # top 10: customer names, past-due buckets; past due of the aging, largest first
    top = charts[2]
    assert [cells(grid, s[0])[0] for s in top["series"]] == labels[1:]
    summary = state.results["aging"].summary
    body = summary[summary["customer_id"] != "TOTAL"].sort_values("past_due", ascending=False, kind="stable")
    assert cells(grid, top["series"][0][1]) == body["customer_name"].head(10).tolist()
    # past due by collector: sums to the aging's total past due
    coll = charts[3]
    assert round(sum(cells(grid, coll["series"][0][2])) * 100) == int(state.results["aging"].total["past_due"])
    # cash applied per day: sums to the cash applied
    cash = charts[4]
    assert round(sum(cells(grid, cash["series"][0][2])) * 100) == state.results["cash_summary"]["applied"]
    days = cells(grid, cash["series"][0][1])
    assert all(isinstance(v, dt.datetime | dt.date) for v in days) and days == sorted(days)
    # promises by collector: kept, partial, broken, pending; every promise of the close counted once
    prom = charts[5]
    assert [cells(grid, s[0])[0] for s in prom["series"]] == [contract_name(w) for w in ("Kept", "Partial", "Broken",
                                                                                         "Pending")]
    assert sum(sum(cells(grid, s[2])) for s in prom["series"]) == len(state.results["promises"])


def test_headline_values_are_the_kpis_and_aging_figures(closed):
    path, state = closed
    book = open_book(path)
    grid = book.read_sheet(DASHBOARD_SHEET)
    head_row = next(r for r in grid.index if grid.at[r, 0] == "Headline")
    shown = {contract_name(n): n for n, _ in d.HEADLINE}        # the reader gives "dso" for "DSO"
    names = [shown.get(grid.at[head_row, c], grid.at[head_row, c]) for c in range(1, 11)]
    now = dict(zip(names, [grid.at[head_row + 1, c] for c in range(1, 11)]))
    change = dict(zip(names, [grid.at[head_row + 2, c] for c in range(1, 11)]))
    kpis = book.read_table("tblKPIs").set_index("kpi")["value"]
    aging = book.read_table("tblAging")
    total = aging[aging["customer_id"] == "TOTAL"].iloc[0]
    assert now["Total open"] == pytest.approx(total["total_open"], abs=0.001)
    assert now["Past due %"] * 100 == pytest.approx(kpis["% past due"], abs=1e-9)
    assert now["DSO"] == pytest.approx(kpis["DSO"]) and now["CEI"] * 100 == pytest.approx(kpis["CEI"])
    assert now["Countback DSO"] == pytest.approx(kpis["Countback DSO"])
    assert now["Promises kept"] * 100 == pytest.approx(kpis["Promises kept"])
    assert now["Cash applied"] * 100 == pytest.approx(state.results["cash_summary"]["applied"])
    assert now["Disputes open"] == (state.results["collections"].disputes["status"] == "OPEN").sum()
    assert now["Allowance"] * 100 == pytest.approx(state.results["allowance"].totals["closing"])
    # §6: the month-over-month change takes both months from Aging History
    h = state.results["aging_history"].groupby("period")["amount"].sum()
    assert round(change["Total open"] * 100) == int(h["2026-10"]) - int(h["2026-09"])
    al = state.results["allowance"].totals
    assert round(change["Allowance"] * 100) == al["closing"] - al["opening"]
    assert change["Cash applied"] is None       # nothing recorded for September yet


def test_rerun_replaces_its_own_charts_and_writes_the_same_cells(closed, tmp_path):
    path, _ = closed
    again = tmp_path / path.name
    again.write_bytes(path.read_bytes())
    before_grid = open_book(again).read_sheet(DASHBOARD_SHEET)
    book = open_book(again)
    run_close(book, now=NOW + dt.timedelta(hours=1))
    book.backup_generations = 0
    book.save()
    after = charts_of(again, DASHBOARD_SHEET)
    assert len(after) == 6 and [c["series"] for c in after] == [c["series"] for c in charts_of(path, DASHBOARD_SHEET)]
    with zipfile.ZipFile(again) as z:
        assert len([n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]) == \
            len([n for n in zipfile.ZipFile(path).namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)])
    pd.testing.assert_frame_equal(open_book(again).read_sheet(DASHBOARD_SHEET), before_grid)
    assert open_book(again).sheet_names()[:2] == ["Close", "Dashboard"]


def test_next_month_compares_with_the_figures_recorded_this_month(closed, tmp_path):
    path, state = closed
    nxt = tmp_path / path.name
    nxt.write_bytes(path.read_bytes())
    book = open_book(nxt)
    report = run_close(book, as_of=dt.date(2026, 11, 30), now=NOW + dt.timedelta(days=30))
    book.backup_generations = 0
    book.save()
    figs = {f.name: f for f in report.state.results["dashboard"]}
    oct_figs = {f.name: f for f in state.results["dashboard"]}
    assert figs["Disputes open"].change == figs["Disputes open"].value - oct_figs["Disputes open"].value
    assert figs["Cash applied"].change == figs["Cash applied"].value - oct_figs["Cash applied"].value
    months = read_months(open_book(nxt)).set_index("Period")
    assert months.at["2026-10", "Cash applied"] * 100 == pytest.approx(oct_figs["Cash applied"].value)
    assert months.at["2026-11", "Disputes open"] == figs["Disputes open"].value


# ---- the writer: a user's charts stay, the sheet goes where it is asked ---------------------------

def _small_output(name="Board"):
    labels = ["not_due", "1-30", "31-60"]
    hist = pd.DataFrame({"period": ["2026-09", "2026-09", "2026-10", "2026-10"], "customer_id": ["A", "B", "A", "B"],
                         "bucket": ["not_due", "1-30", "not_due", "31-60"], "amount": [10000, 2000, 12000, 3000]})
    months = d.month_figures(hist, labels)
    figs = d.headline({"Total open": 15000}, months, "2026-10", None, None)
    summary = pd.DataFrame({"customer_id": ["A", "B", "TOTAL"], "customer_name": ["Acme", "Beta", ""],
                            "not_due": [12000, 0, 12000], "1-30": [0, 0, 0], "31-60": [0, 3000, 3000],
                            "past_due": [0, 3000, 3000]})
    out = dashboard_output(figs, as_of=dt.date(2026, 10, 31), prev_period="2026-09", currency="USD",
                           months=d.month_table(months, None, "2026-10", {}),
                           aging_months=d.aging_by_month(hist, labels), top=d.top_past_due(summary, labels),
                           collectors=d.past_due_by_collector(summary, None),
                           cash_days=d.cash_per_day(pd.DataFrame({"value_date": [pd.Timestamp("2026-10-05")],
                                                                  "amount": [5000]})),
                           promises=d.promises_by_collector(None, None), labels=labels, notes=["Dashboard"])
    from dataclasses import replace
    return replace(out, name=name)


def test_a_users_charts_and_pictures_elsewhere_stay_byte_identical(tmp_path):
    from fixtures_book.rich import build
    path = tmp_path / "rich.xlsm"
    build(path)
    with zipfile.ZipFile(path) as z:
        original = {n: z.read(n) for n in z.namelist()}
    user_charts = charts_of(path, "Dashboard")          # the user's own sheet named Dashboard
    names_before = open_book(path).named_values()
    for _ in range(2):                                   # written twice: the second replaces the first
        book = open_book(path)
        book.write_sheet(_small_output())
        book.backup_generations = 0
        book.save()
    book = open_book(path)
    assert book.sheet_names()[book.sheet_names().index("Close") + 1] == "Board"
    assert book.named_values() == names_before           # sheet-scoped names followed their sheets
    assert charts_of(path, "Dashboard") == user_charts
    assert len(charts_of(path, "Board")) == 6
    with zipfile.ZipFile(path) as z:
        now = {n: z.read(n) for n in z.namelist()}
    changed = {n for n in original if now.get(n) != original[n]}
    assert changed <= {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "docProps/core.xml",
                       "xl/styles.xml"}, changed
    ours = [n for n in now if n.startswith("xl/charts/chart") and n not in original]
    assert len(ours) == 6                                 # not twelve: the second write replaced the first's


# ---- the figures -----------------------------------------------------------------------------------

def test_month_figures_follow_the_kpi_formulas():
    labels = ["not_due", "1-30"]
    hist = pd.DataFrame({"period": ["2026-08", "2026-09", "2026-09"], "customer_id": ["A", "A", "B"],
                         "bucket": ["not_due", "not_due", "1-30"], "amount": [9000, 6000, 3000]})
    sales = pd.DataFrame({"month": ["2026-09", "2026-08"], "first_day": [dt.date(2026, 9, 1), dt.date(2026, 8, 1)],
                          "last_day": [dt.date(2026, 9, 30), dt.date(2026, 8, 31)], "days": [30, 31],
                          "credit_sales": [9000, 9000], "source": ["GL debits 2026-09", "GL debits 2026-08"]})
    m = d.month_figures(hist, labels, sales).set_index("period")
    assert m.at["2026-09", "total_open"] == 9000 and m.at["2026-09", "past_due"] == 3000
    assert m.at["2026-09", "past_due_pct"] == Decimal("33.33")
    assert m.at["2026-09", "countback_dso"] == Decimal("30.0")            # AR = September's sales
    # CEI: (begin 9000 + sales 9000 − end 9000) / (9000 + 9000 − current 6000) × 100
    assert m.at["2026-09", "cei"] == Decimal("75.00")
    assert m.at["2026-08", "cei"] is None                                  # no July in the history
    # DSO: the 90 days to 30 September, shortened to the 61 days the sales cover: 9000 / 18000 × 61
    assert m.at["2026-09", "dso"] == Decimal("30.5")
    figs = {f.name: f for f in d.headline({"Total open": 1}, m.reset_index(), "2026-09", None, None)}
    assert figs["Total open"].change == 0 and figs["Total open"].value == 1
    assert figs["Past due %"].change == Decimal("33.33")
    assert figs["Cash applied"].change is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Ann", "Bo", "", None]), st.integers(-10**9, 10**9)), min_size=1,
                max_size=30))
def test_past_due_by_collector_ties_to_the_aging(rows):
    ids = [f"C{i}" for i in range(len(rows))]
    summary = pd.DataFrame({"customer_id": ids + ["TOTAL"],
                            "past_due": [v for _, v in rows] + [sum(v for _, v in rows)]})
    customers = pd.DataFrame({"customer_id": ids, "collector": [c for c, _ in rows]})
    g = d.past_due_by_collector(summary, customers)
    assert int(g["past_due"].sum()) == sum(v for _, v in rows)
    assert g["collector"].is_unique and "" not in set(g["collector"])


def test_a_sheet_put_before_others_keeps_their_sheet_scoped_names(tmp_path):
    from fixtures_book.rich import build
    path = tmp_path / "rich.xlsm"
    build(path)
    book = open_book(path)
    book.write_sheet(_small_output())
    book.backup_generations = 0
    book.save()
    book = open_book(path)
    owned, names, order = book.owned_ranges("Board"), book.named_values(), book.sheet_names()
    assert owned                                          # Board's own sheet-scoped name (xlc_owned)
    book.write_sheet(SheetOutput("Board 2", [TableBlock(pd.DataFrame({"a": [1]}))], after="Settings"))
    book.backup_generations = 0
    book.save()
    book = open_book(path)
    assert book.sheet_names() == [order[0], "Board 2", *order[1:]]
    assert book.owned_ranges("Board") == owned and book.named_values() == names
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
    ids = re.findall(r'name="xlc_owned" localSheetId="(\d+)"', wb)
    assert sorted(int(i) for i in ids) == sorted([book.sheet_names().index("Board"), 1])


def test_the_dashboard_alone_keeps_what_the_last_close_recorded(closed, tmp_path):
    """``--steps dashboard`` (validate, then the dashboard): cash, disputes and the allowance (their
    steps do not run) stay as the October close recorded them, and the notes say so."""
    path, state = closed
    again = tmp_path / path.name
    again.write_bytes(path.read_bytes())
    book = open_book(again)
    report = run_close(book, steps="dashboard", now=NOW + dt.timedelta(hours=2))
    book.backup_generations = 0
    book.save()
    assert list(report.state.steps) == ["validate", "dashboard"]
    old = {f.name: f.value for f in state.results["dashboard"]}
    new = {f.name: f.value for f in report.state.results["dashboard"]}
    assert new == old
    grid = open_book(again).read_sheet(DASHBOARD_SHEET)
    assert "As the last close of 2026-10 recorded them" in grid.at[3, 0]


def _active(path) -> str:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
    m = re.search(r'<workbookView\b[^>]*\bactiveTab="(\d+)"', wb)
    return open_book(path).sheet_names()[int(m.group(1)) if m else 0]


def test_the_demo_opens_on_the_dashboard_and_a_users_choice_of_sheet_stays(closed, tmp_path):
    path, _ = closed
    demo = tmp_path / path.name
    demo.write_bytes(path.read_bytes())
    assert _active(demo) == "Close"                      # the template opens on Close
    book = open_book(demo)
    run_close(book, steps="dashboard", now=NOW)
    book.backup_generations, book.open_at = 0, "Dashboard"
    book.save()
    assert _active(demo) == "Dashboard"
    from fixtures_book.rich import build
    rich = tmp_path / "rich.xlsm"
    build(rich)
    chosen = _active(rich)
    book = open_book(rich)
    book.write_sheet(_small_output())
    book.backup_generations, book.open_at = 0, "Board"
    book.save()
    assert _active(rich) == chosen != "Board"            # the user's sheet: not one the program rewrote


def test_a_first_close_with_one_item_and_no_cash_still_gets_its_dashboard(tmp_path):
    from xl_collections.core.settings import Settings
    from xl_collections.workbook.template import build_template
    items = pd.DataFrame({"customer_id": ["C1"], "document_no": ["INV1"], "document_date": [pd.Timestamp("2026-09-01")],
                          "due_date": [pd.Timestamp("2026-10-01")], "open_amount": [12345], "currency": ["USD"]})
    items.attrs = {"money": ["open_amount"], "currency": "USD"}
    path = build_template(tmp_path / "b.xlsm", settings=Settings(as_of=dt.date(2026, 10, 31)),
                          inputs={"open_items": items})
    book = open_book(path)
    report = run_close(book, now=NOW)
    book.backup_generations = 0
    book.save()
    figs = {f.name: f for f in report.state.results["dashboard"]}
    assert figs["Total open"].value == 12345 and figs["Total open"].change is None      # no earlier month
    assert figs["Cash applied"].value == 0 and figs["Auto-apply rate"].value is None
    assert figs["DSO"].value is None                                                     # no credit sales given
    assert open_book(path).sheet_names()[:2] == ["Close", "Dashboard"]
    assert len(charts_of(path, DASHBOARD_SHEET)) == 6


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["2026-07", "2026-08", "2026-09", "2026-10"]), st.sampled_from(["A", "B"]),
                          st.sampled_from(["not_due", "1-30", "31-60"]), st.integers(1, 10**10)), min_size=1, max_size=25))
def test_month_figures_tie_to_the_history_and_the_change_to_both_months(rows):
    labels = ["not_due", "1-30", "31-60"]
    hist = pd.DataFrame(rows, columns=["period", "customer_id", "bucket", "amount"])
    m = d.month_figures(hist, labels)
    sums = hist.groupby("period")["amount"].sum()
    past = hist[hist["bucket"] != "not_due"].groupby("period")["amount"].sum()
    assert m["period"].tolist() == sorted(sums.index)
    for r in m.itertuples():
        assert r.total_open == sums[r.period] and r.past_due == past.get(r.period, 0)
    figs = {f.name: f for f in d.headline({"Total open": 7}, m, "2026-10", None, None)}
    earlier = [p for p in sums.index if p < "2026-10"]
    if "2026-10" in sums.index and earlier:
        assert figs["Total open"].change == sums["2026-10"] - sums[max(earlier)]
    else:
        assert figs["Total open"].change is None
    assert figs["Total open"].value == 7
