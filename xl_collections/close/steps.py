"""The steps of the month-end close, declared once, in close order.

Each step is one :class:`Step` line in :data:`CLOSE_STEPS`; its code is a module beside its
engine with a function ``run(state: CloseState) -> StepResult`` that returns the sheets it
wants written as :class:`~xl_collections.book.SheetOutput` records (it never writes the book).
Everything else derives from this list:

- the close pipeline's order and ``--steps`` names and aliases (:func:`xl_collections.close.pipeline.parse_steps`);
- the ``Close`` checklist's rows, titles and sheets (:mod:`xl_collections.close.checklist`);
- the sheets the program owns (:data:`OWNED_SHEETS`) and the template's output sheets and
  buttons (:mod:`xl_collections.workbook.template`);
- the workbook macros, which sheet runs which (:data:`SHEET_ACTIONS`) and the ribbon's
  buttons (:data:`RIBBON_ACTIONS`) (:mod:`xl_collections.macros`);
- the input fingerprints on ``Audit Log`` (:data:`AUDITED_TABLES`: every table a step reads).

Adding a step: write ``xl_collections/<area>/step.py`` with ``run(state)``, add one line
below.  See ``docs/architecture.md``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core import schema
from ..core.settings import SETTINGS
from ..ar.aging_step import step_aging
from ..allowance.step import READS as ALLOWANCE_READS
from ..allowance.step import step_allowance
from ..cashapp.record import RECORD_SHEET as CASH_RECORD_SHEET
from ..cashapp.returns_step import step_returns
from ..cashapp.step import step_cashapp
from .state import CloseState, StepResult
from ..collect.step import step_worklist
from ..commentary.step import step_commentary
from ..credit.step import step_credit
from .inputs import step_validate
from ..dunning import step as dunning_step
from ..ar.kpi_step import step_kpis
from ..recon.step import step_recon
from ..report.step import step_dashboard
from ..workbook.vba.ribbon import GROUPS as RIBBON_GROUPS
from ..workbook.vba.ribbon import RibbonButton


@dataclass(frozen=True)
class Button:
    """A workbook button that runs a step.  ``macro`` is the function of
    :mod:`xl_collections.macros` it calls (CONTRACT §4: one per button); ``runs`` the steps
    it runs (``validate`` always runs first; default: its own step alone); ``cell`` where it
    sits on the step's first sheet (``None``: no button on a sheet, the ribbon only);
    ``help`` what it does (the macro's docstring and the ribbon's screentip); ``group`` its
    group on the ``Collections`` ribbon tab (:data:`xl_collections.workbook.vba.ribbon.GROUPS`) and
    ``image`` its ``imageMso`` icon there."""
    macro: str
    caption: str
    cell: str | None = "E1"
    runs: tuple[str, ...] = ()
    help: str = ""
    group: str = ""
    image: str = ""


@dataclass(frozen=True)
class Step:
    """One step of the close.  ``name``: its ``--steps`` name (lower case), also the checklist's
    and the Audit Log's; ``title``: the checklist's task; ``run(state) -> StepResult``;
    ``aliases``: other names ``--steps`` takes; ``reads``: the input tables (schema names) it
    reads, fingerprinted on the Audit Log; ``sheets``: the sheets it writes (the program owns
    them; the first gets the button); ``button``: its :class:`Button` (None: run by another
    step's button or the whole close only); ``settings``: the named cells it uses;
    ``user_run``: a user may run it alone (``--steps``, its button); False for a step that
    only runs inside the whole close."""
    name: str
    title: str
    run: Callable[[CloseState], StepResult]
    aliases: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    sheets: tuple[str, ...] = ()
    button: Button | None = None
    settings: tuple[str, ...] = ()
    user_run: bool = True


# ------------------------------------------------------------------ the registry: one line per step, in close order

CLOSE_STEPS: tuple[Step, ...] = (
    Step("validate", "Check inputs and settings", step_validate, aliases=("inputs",), reads=tuple(schema.BOOK_TABLES),
         button=Button("check_inputs", "Check inputs", cell=None, group="xlcMonthEnd", image="AcceptInvitation",
                       help="Read the settings and every input table; list all problems on Close."),
         settings=("AsOfDate", "ReportingCurrency", "DayFirst")),
    Step("cashapp", "Apply cash", step_cashapp, aliases=("cash", "cash_application", "apply_cash"),
         reads=("open_items", "payments", "customers", "remittance", "fx_rates"),
         sheets=("Cash App", "Unapplied", "Exceptions"),
         button=Button("apply_payments", "Apply cash", cell="J1", runs=("cashapp", "returns", "aging"), group="xlcCash",
                       image="AutoSum",
                       help="Apply the payments (never those applied in an earlier run) and refresh the aging."),
         settings=("MatchTolerance", "MatchTolerancePct", "AutoApplyMinConfidence")),
    Step("returns", "Returned items (bounced, returned, charged back)", step_returns,
         aliases=("returned_items", "chargebacks"), reads=("payments", "card_settlements"), sheets=("Returned Items",),
         settings=("ReturnMatchDays", "ReturnedItemFee")),
    Step("aging", "Pro-forma aging", step_aging, aliases=("refresh_aging",),
         reads=("open_items", "customers", "fx_rates", "aging_history"), sheets=("Aging", "Aging Detail", "Aging History"),
         button=Button("refresh_aging", "Refresh aging", cell="J1", runs=("aging", "kpis"), group="xlcReceivables",
                       image="Refresh",
                       help="Pro-forma aging (net of applied cash on the Cash App sheet) and the KPIs."),
         settings=("AgingBasis", "AgingBuckets")),
    Step("kpis", "KPIs (DSO, CEI, ADD, BPDSO)", step_kpis, aliases=("kpi",), reads=("register", "gl", "fx_rates"),
         sheets=("KPIs",)),
    Step("recon", "Reconcile register, sub-ledger, GL", step_recon, aliases=("reconcile", "reconciliation"),
         reads=("open_items", "register", "ledger", "gl", "fx_rates"), sheets=("Recon",),
         button=Button("reconcile", "Reconcile", help="Register ↔ sub-ledger ↔ GL for the as-of month.",
                       group="xlcReceivables", image="PropertySheet")),
    Step("commentary", "Past-due commentary", step_commentary, aliases=("write_commentary",),
         reads=("customers", "activity", "payments", "aging_history"), sheets=("Commentary",),
         button=Button("write_commentary", "Write commentary", group="xlcReceivables", image="ReviewNewComment",
                       help="Past-due commentary (the Commentary sheet; edited comments are kept)."),
         settings=("CommentaryThreshold",)),
    Step("credit", "Credit review and order decisions", step_credit, aliases=("credit_review", "order_decisions"),
         reads=("open_items", "customers", "orders", "financials", "credit_reports", "cleared_items", "fx_rates"),
         sheets=("Credit Review", "Order Decisions"),
         button=Button("credit_review", "Credit review", group="xlcCredit", image="AccountingFormat",
                       help="Exposure, score and class per customer; RELEASE / FLEX / HOLD per open order."),
         settings=("CreditFlexPct", "CreditGraceDays", "CreditHoldDaysPastDue", "CreditHoldMinPastDue",
                   "CreditHoldReturnedItems", *(d.cell for d in SETTINGS if d.group == "Credit scoring"))),
    Step("worklist", "Collections worklist, promises, disputes", step_worklist,
         aliases=("collections", "promises", "disputes"),
         reads=("open_items", "customers", "activity", "payments", "cleared_items", "fx_rates"),
         sheets=("Worklist", "Promises", "Disputes"),
         button=Button("collections_worklist", "Refresh worklist", runs=("cashapp", "worklist"), group="xlcCollect",
                       image="FilterToggleFilter",
                       help="Who to call today, promises to pay and dispute cases (your resolution notes are kept)."),
         settings=("PromiseGraceDays", "EscalationDays", "EscalationAmount", "LargeBalanceThreshold",
                   "DisputeResponseDays", "ReturnMatchDays")),
    Step("dunning", "Dunning letters", dunning_step.run, aliases=("dun", "letters", "generate_letters"),
         reads=("open_items", "customers", "activity", "payments", "cleared_items", "dunning_history", "fx_rates"),
         sheets=("Dunning", "Dunning History"),
         button=Button("generate_letters", "Generate letters", runs=("worklist", "dunning"), group="xlcCollect",
                       image="EnvelopesAndLabelsDialog",
                       help="Propose dunning letters and write the approved ones (PDF, Word, e-mail drafts) beside "
                            "the book."),
         settings=("DunningLevels", "DunningIntervalDays", "DunningMinAmount", "DunningInterestRate", "DunningFees",
                   "CompanyName", "CompanyAddress", "RemitTo", "DunningFrom", "LetterTemplates")),
    Step("allowance", "Allowance and write-off proposals", step_allowance, aliases=("reserve", "bad_debt", "write_offs"),
         reads=ALLOWANCE_READS, sheets=("Allowance", "Write-off Proposals"),
         button=Button("allowance", "Allowance", group="xlcReserve", image="PercentStyle",
                       help="Allowance for doubtful accounts (roll rates, specific reserves, journal) and write-off "
                       "proposals; approved write-offs are booked."),
         settings=("AllowanceLookbackMonths", "AllowanceForwardFactor", "AllowanceBankruptPct", "AllowanceDisputedPct",
                   "AllowanceOpening", "AllowanceDefaultRolls", "WriteOffMinDays", "WriteOffSmallBalance",
                   "PromiseGraceDays", "ARAccount", "AllowanceAccount", "BadDebtExpenseAccount")),
    Step("dashboard", "Dashboard: headline figures and charts", step_dashboard, aliases=("charts",),
         reads=("open_items", "customers", "register", "gl", "aging_history", "fx_rates"), sheets=("Dashboard",)),
)

# ------------------------------------------------------------------ user-run actions outside the close


@dataclass(frozen=True)
class Action:
    """A button that runs something other than close steps: no checklist row, no ``--steps``
    name, never part of the whole close.  ``name``: its ribbon id is ``xlc_<name>``;
    ``button``: as for a step (``macro`` names its function in :mod:`xl_collections.macros`)."""
    name: str
    button: Button


REPORT_MACRO, REPORT_CAPTION = "management_pack", "Management pack"
ACTIONS: tuple[Action, ...] = (
    Action("statement", Button("customer_statements", "Statements", cell=None, group="xlcCollect",
                               image="FileSaveAsPdfOrXps",
                               help="Statements of account (PDF, Word, Excel) for the customers whose ids you "
                                    "selected on a sheet, else for every customer with open items; written beside "
                                    "the book.")),
    Action("report", Button(REPORT_MACRO, REPORT_CAPTION, cell=None, group="xlcReport", image="FileSaveAsPdfOrXps",
                            help="Prints the management pack (Dashboard, Aging, Commentary, Recon, Allowance) to one "
                                 "PDF beside this workbook.")),
)

# ------------------------------------------------------------------ derived: nothing below names a step

BY_NAME: dict[str, Step] = {s.name: s for s in CLOSE_STEPS}
STEP_NAMES: tuple[str, ...] = tuple(BY_NAME)
STEP_TITLES: dict[str, str] = {s.name: s.title for s in CLOSE_STEPS}
STEP_SHEETS: dict[str, tuple[str, ...]] = {s.name: s.sheets for s in CLOSE_STEPS if s.sheets}
ALIASES: dict[str, str] = {a: s.name for s in CLOSE_STEPS for a in s.aliases}

CLOSE_SHEET, AUDIT_SHEET = "Close", "Audit Log"
RESULT_SHEETS: tuple[str, ...] = tuple(dict.fromkeys(sh for s in CLOSE_STEPS for sh in s.sheets))
# hidden sheets the program keeps for itself (not in the template): cash application's record
RECORD_SHEETS: tuple[str, ...] = (CASH_RECORD_SHEET,)
OWNED_SHEETS: tuple[str, ...] = (CLOSE_SHEET, *RESULT_SHEETS, *RECORD_SHEETS, AUDIT_SHEET)

# every table a step reads, in schema order: each gets a sha256_<table> column on the Audit Log
AUDITED_TABLES: tuple[str, ...] = tuple(t for t in schema.TABLES if any(t in s.reads for s in CLOSE_STEPS))

# the whole close: the Close sheet's button and the ribbon's large button
CLOSE_MACRO, CLOSE_CAPTION = "month_end_close", "Run month-end close"
# the Report group's button: no step of its own, it prints the management pack (report/pack.py)
BUTTONS: dict[str, Button] = {s.name: s.button for s in CLOSE_STEPS if s.button}


def button_steps(step: str) -> tuple[str, ...]:
    """The steps the button of ``step`` runs, ``validate`` first, in close order."""
    b = BY_NAME[step].button
    wanted = {"validate", step, *(b.runs if b else ())}
    return tuple(n for n in STEP_NAMES if n in wanted)


def _sheet_actions() -> dict[str, str]:
    """Sheet (lower case) -> macro: a step's sheets run its button; a step without a button
    runs the first button whose steps include it (KPIs: refresh aging)."""
    out = {CLOSE_SHEET.lower(): CLOSE_MACRO}
    for s in CLOSE_STEPS:
        b = s.button or next((BY_NAME[n].button for n in BUTTONS if s.name in button_steps(n)), None)
        for sheet in s.sheets:
            if b is not None:
                out.setdefault(sheet.lower(), b.macro)
    return out


@dataclass(frozen=True)
class SheetButton:
    """A button on a sheet that runs no step of the close: ``macro`` (a function of
    :mod:`xl_collections.macros` taking the book), on ``sheet`` at ``cell``; ``writes`` the
    program's sheets it writes (their buttons run it too)."""
    macro: str
    caption: str
    sheet: str
    cell: str
    writes: tuple[str, ...] = ()
    help: str = ""


# CONTRACT §3 `Claims` → `Claim Research`: researched when asked, not in the close
SHEET_BUTTONS: tuple[SheetButton, ...] = (
    SheetButton("research_claims", "Research claims", "Claims", "G1", writes=("Claim Research",),
                help="Answer every claim on Claims: candidate payments and where each went (Claim Research)."),
)
SHEET_ACTIONS: dict[str, str] = {**_sheet_actions(),
                                 **{sh.lower(): b.macro for b in SHEET_BUTTONS for sh in (b.sheet, *b.writes)}}
# an input sheet's button (or the ribbon's Run main on it): check the inputs
INPUT_ACTION: str = BUTTONS["validate"].macro
# ribbon control id -> macro (CONTRACT §3 "The Collections ribbon tab": xlc_<step>, xlc_close)
RIBBON_ACTIONS: dict[str, str] = {"xlc_close": CLOSE_MACRO, **{f"xlc_{n}": b.macro for n, b in BUTTONS.items()},
                                  **{f"xlc_{a.name}": a.button.macro for a in ACTIONS}}
# the Collections tab as it shows, group by group: the whole close (large), then every step's
# button in close order, then the actions outside the close
_GROUP_ORDER = {g: i for i, (g, _) in enumerate(RIBBON_GROUPS)}
RIBBON_BUTTONS: tuple[RibbonButton, ...] = tuple(sorted((
    RibbonButton("xlc_close", "xlcMonthEnd", CLOSE_CAPTION,
                 "Runs every step of the close on this workbook and ticks each off on the Close sheet.",
                 "CalculateNow", large=True),
    *(RibbonButton(f"xlc_{n}", b.group, b.caption, b.help, b.image) for n, b in BUTTONS.items()),
    *(RibbonButton(f"xlc_{a.name}", a.button.group, a.button.caption, a.button.help, a.button.image)
      for a in ACTIONS)), key=lambda b: _GROUP_ORDER.get(b.group, len(_GROUP_ORDER))))
