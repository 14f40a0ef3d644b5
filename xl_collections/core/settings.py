"""Run settings: the named cells of the ``Settings`` sheet (CONTRACT §3), declared once.

Each setting is one :class:`Setting` declaration — its named cell, the ``Settings`` field,
its kind, default, the words a user reads on the sheet — and everything else follows from
the list :data:`SETTINGS`: the :class:`Settings` record, the parser of named-cell values
(:func:`from_named_values`), of a ``--settings`` CSV (:func:`from_settings_file`), and the
template's ``Settings`` sheet.

Units: ``money`` settings are integer minor units of the reporting currency; ``percent`` is a
Decimal percentage (``match_tolerance_pct`` 0.5 means 0.5 %); ``fraction`` is a Decimal share
(``credit_flex_pct`` 0.10 means 10 %; written ``10%``, ``0.10`` or ``10``); ``decimal`` is a plain
Decimal.  A blank cell keeps the default.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field, make_dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

from .dates import DateError, parse_date
from .errors import InputError
from .money import AmountError, is_currency, parse_amount

DEFAULT_BUCKETS = (0, 30, 60, 90, 120)

# kinds of setting (how a cell's value is read)
DATE, CURRENCY, CHOICE, BUCKETS, MONEY, MONEY_LIST, PERCENT, FRACTION, FRACTION_LIST, DECIMAL, DAYS, COUNT, BOOL, TEXT = (
    "date", "currency", "choice", "buckets", "money", "money_list", "percent", "fraction", "fraction_list",
    "decimal", "days", "count", "bool", "text")
DECIMAL_LIST, COUNT_LIST, POINTS = "decimal_list", "count_list", "points"
# the order a list setting's items must keep
FALLING, NOT_RISING = "falling", "not rising"
CLASSES = "ABCDE"      # credit classes, best first: per-class lists give one item per class


@dataclass(frozen=True)
class Setting:
    """One named cell on ``Settings``: ``cell`` (the name in the book), ``field`` (of
    :class:`Settings`), ``kind`` (how it is read), ``default`` (in the field's own units),
    ``expected`` and ``help`` (what the sheet shows), ``group`` (the sheet's section),
    ``choices`` for a ``choice``, ``low``/``high`` bounds for numbers (and for each item of a
    list), ``items`` the number of items a list must have (0: any), ``order`` the order its
    items keep (``FALLING``: each below the one before; ``NOT_RISING``: none above the one
    before)."""
    cell: str
    field: str
    kind: str
    default: object
    help: str
    expected: str = ""
    group: str = "Close"
    choices: tuple[str, ...] = ()
    low: object = None
    high: object = None
    items: int = 0
    order: str = ""


def _s(cell, fld, kind, default, help, expected="", group="Close", **kw) -> Setting:
    return Setting(cell, fld, kind, default, help, expected, group, **kw)


def _snake(camel: str) -> str:
    """``DaysPastDue`` -> ``days_past_due``."""
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(camel))


def parse_points(value: object) -> tuple[tuple[Decimal, Decimal], ...]:
    """A credit factor's points table: ``"0:0, 1.10:30, 2.60:70, 4.00:100"`` (or pairs) ->
    ((input, points), ...).  At least two pairs, inputs increasing, points 0-100 that only
    rise or only fall (a better input never scores lower)."""
    if isinstance(value, list | tuple):
        pairs = [tuple(p) for p in value]
    else:
        pairs = [tuple(p.split(":")) for p in str(value).replace(";", ",").split(",") if p.strip()]
    try:
        table = tuple((Decimal(str(a).strip()), Decimal(str(b).strip())) for a, b in pairs)
    except (ValueError, InvalidOperation):
        raise ValueError(f"{value!r}: expected input:points pairs") from None
    ins, pts = [a for a, _ in table], [b for _, b in table]
    if (len(table) < 2 or not all(d.is_finite() for d in ins + pts) or any(b <= a for a, b in zip(ins, ins[1:]))
            or any(not 0 <= b <= 100 for b in pts)
            or not (all(b >= a for a, b in zip(pts, pts[1:])) or all(b <= a for a, b in zip(pts, pts[1:])))):
        raise ValueError(f"{value!r}: expected increasing inputs with points 0-100 that only rise or only fall")
    return table




class CreditFactor(NamedTuple):
    """One scored factor of the credit score, declared once: its named cells are
    ``CreditWeight<cell>`` and ``CreditPoints<cell>`` (Settings fields ``credit_weight_<stem>``,
    ``credit_points_<stem>``); ``key`` is the score input it reads (a column of ``Credit
    Scores``), ``label`` its words on the sheet, ``described`` its words in the help text,
    ``weight`` and ``points`` the README's defaults."""
    cell: str
    key: str
    label: str
    described: str
    weight: int
    points: str

    @property
    def stem(self) -> str:
        return _snake(self.cell)


# the scored factors, in the order ties are broken; lower is better for days late, share paid
# late and days past due now (their points tables fall)
CREDIT_FACTORS: tuple[CreditFactor, ...] = (
    CreditFactor("AltmanZ", "altman_z", "Altman Z''", "Altman Z''", 20, "0:0, 1.10:30, 2.60:70, 4.00:100"),
    CreditFactor("CurrentRatio", "current_ratio", "current ratio",
                 "the current ratio (current assets / current liabilities)", 7, "0.5:0, 1.0:40, 1.5:70, 2.0:100"),
    CreditFactor("EquityRatio", "equity_ratio", "equity ratio", "the equity ratio (equity / total assets)", 7,
                 "0:0, 0.2:40, 0.4:75, 0.6:100"),
    CreditFactor("InterestCover", "interest_cover", "interest cover", "the interest cover (EBIT / interest)", 6,
                 "1:0, 3:60, 6:100"),
    CreditFactor("DaysLate", "add_days", "average days late", "the average days paid late", 15,
                 "0:100, 5:85, 15:60, 30:30, 60:0"),
    CreditFactor("ShareLate", "pct_paid_late", "share paid late", "the share of billing paid late (0.25 = 25 %)", 10,
                 "0:100, 0.25:70, 0.50:40, 1:0"),
    CreditFactor("DaysPastDue", "max_days_past_due", "days past due now",
                 "the days past due now (oldest undisputed item)", 10, "0:100, 15:80, 30:60, 60:30, 90:0"),
    CreditFactor("Paydex", "paydex", "PAYDEX", "the agency's PAYDEX", 15, "20:0, 50:40, 70:70, 80:100"),
    CreditFactor("FailureScore", "failure_score", "failure score", "the agency's failure score", 10,
                 "1:0, 50:60, 100:100"),
)

SETTINGS: tuple[Setting, ...] = (
    # the close
    _s("AsOfDate", "as_of", DATE, None, "Month-end (as-of) date of the close", "a date such as 2026-10-31"),
    _s("ReportingCurrency", "reporting_currency", CURRENCY, "USD", "Currency every total is reported in",
       "an ISO 4217 code such as USD"),
    _s("AgingBasis", "aging_basis", CHOICE, "due", "Age items from their due date or their document date",
       "due or document", choices=("due", "document")),
    _s("AgingBuckets", "aging_buckets", BUCKETS, DEFAULT_BUCKETS, "Lower edges of the past-due buckets in days",
       "increasing whole days such as 0,30,60,90,120"),
    _s("MatchTolerance", "match_tolerance", MONEY, 500, "Largest difference a cash match may leave (money)"),
    _s("MatchTolerancePct", "match_tolerance_pct", PERCENT, Decimal("0.5"),
       "Largest difference a cash match may leave, in % of the payment", "a percentage between 0 and 100",
       low=Decimal(0), high=Decimal(100)),
    _s("AutoApplyMinConfidence", "auto_apply_min_confidence", DECIMAL, Decimal("0.90"),
       "Confidence a match needs to be applied without review", "a number between 0 and 1",
       low=Decimal(0), high=Decimal(1)),
    _s("CommentaryThreshold", "commentary_threshold", MONEY, 100000,
       "Past due above which a customer gets a commentary line (money)"),
    _s("DayFirst", "day_first", BOOL, False, "Read slashed dates as day/month/year", "TRUE or FALSE"),
    # credit (CONTRACT §6 "Exposure and order decisions")
    _s("CreditFlexPct", "credit_flex_pct", FRACTION, Decimal("0.10"),
       "How far over its limit a customer's orders may FLEX before they HOLD", group="Credit"),
    _s("CreditGraceDays", "credit_grace_days", DAYS, 15, "Days past due after which orders FLEX", group="Credit"),
    _s("CreditHoldDaysPastDue", "credit_hold_days_past_due", DAYS, 60, "Days past due after which orders HOLD",
       group="Credit"),
    _s("CreditHoldMinPastDue", "credit_hold_min_past_due", MONEY, 0,
       "Past due above which the HOLD by days applies (money)", group="Credit"),
    # collections
    _s("PromiseGraceDays", "promise_grace_days", DAYS, 3, "Days after a promise date before it counts as broken",
       group="Collections"),
    _s("EscalationDays", "escalation_days", DAYS, 90, "Days past due that escalate a customer (with the amount)",
       group="Collections"),
    _s("EscalationAmount", "escalation_amount", MONEY, 1_000_000, "Past due that escalates a customer (money)",
       group="Collections"),
    _s("LargeBalanceThreshold", "large_balance_threshold", MONEY, 5_000_000,
       "Total open from which a customer is on the weekly large-balance report (money)", group="Collections"),
    _s("DisputeResponseDays", "dispute_response_days", DAYS, 1, "Days to respond to a dispute (SLA)",
       group="Collections"),
    # dunning
    _s("DunningLevels", "dunning_levels", BUCKETS, (15, 30, 45, 60), "Days past due that open dunning levels 1, 2, …",
       "increasing whole days such as 15,30,45,60", group="Dunning"),
    _s("DunningIntervalDays", "dunning_interval_days", DAYS, 14, "Fewest days between two letters to a customer",
       group="Dunning"),
    _s("DunningMinAmount", "dunning_min_amount", MONEY, 5000, "Smallest overdue total that gets a letter (money)",
       group="Dunning"),
    _s("DunningInterestRate", "dunning_interest_rate", FRACTION, Decimal(0), "Annual interest charged on overdue items",
       group="Dunning"),
    _s("DunningFees", "dunning_fees", MONEY_LIST, (0, 0, 2500, 5000), "Fee per dunning level (money, comma-separated)",
       "amounts such as 0,0,25,50", group="Dunning"),
    _s("CompanyName", "company_name", TEXT, "", "Our company name on letters and statements", "text", group="Dunning"),
    _s("CompanyAddress", "company_address", TEXT, "", "Our address on letters and statements", "text", group="Dunning"),
    _s("RemitTo", "remit_to", TEXT, "", "Where customers pay: bank, IBAN, address", "text", group="Dunning"),
    _s("DunningFrom", "dunning_from", TEXT, "", "Sender of e-mail drafts (name <address>)", "text", group="Dunning"),
    _s("LetterTemplates", "letter_templates", TEXT, "", "Folder with your own letter templates (blank: the built-in)",
       "a folder path", group="Dunning"),
    # allowance
    _s("AllowanceLookbackMonths", "allowance_lookback_months", COUNT, 12,
       "Month-to-month transitions the roll rates average over", group="Allowance", low=1),
    _s("AllowanceForwardFactor", "allowance_forward_factor", DECIMAL, Decimal("1.00"),
       "Forward-looking factor applied to the loss rates", "a number such as 1.00", group="Allowance",
       low=Decimal(0)),
    _s("AllowanceBankruptPct", "allowance_bankrupt_pct", FRACTION, Decimal("1"),
       "Specific reserve on items of bankrupt customers", group="Allowance"),
    _s("AllowanceDisputedPct", "allowance_disputed_pct", FRACTION, Decimal("0.50"),
       "Specific reserve on disputed items", group="Allowance"),
    _s("AllowanceOpening", "allowance_opening", MONEY, None,
       "Allowance at the start of the period (blank: the closing of the latest earlier run)", group="Allowance"),
    _s("AllowanceDefaultRolls", "allowance_default_rolls", FRACTION_LIST,
       (Decimal("0.05"), Decimal("0.25"), Decimal("0.40"), Decimal("0.55"), Decimal("0.70"), Decimal("0.80")),
       "Roll rate per bucket when the history has none (not due, 1-30, …, last)",
       "shares such as 5%,25%,40%,55%,70%,80%", group="Allowance"),
    _s("WriteOffMinDays", "writeoff_min_days", DAYS, 365, "Days past due from which an item is proposed for write-off",
       group="Allowance"),
    _s("WriteOffSmallBalance", "writeoff_small_balance", MONEY, 500,
       "Open amount up to which an old item is a small balance to write off (money)", group="Allowance"),
    # returns and claims
    _s("ReturnMatchDays", "return_match_days", DAYS, 60, "Days before a return in which its payment is looked for",
       group="Returns"),
    _s("ReturnedItemFee", "returned_item_fee", MONEY, 0, "Fee charged for a returned payment (money)",
       group="Returns"),
    _s("CreditHoldReturnedItems", "credit_hold_returned_items", COUNT, 2,
       "Returns within twelve months that put orders on HOLD", group="Returns", low=1),
    _s("ClaimDays", "claim_days", DAYS, 30, "Days around a claimed date in which payments are looked for",
       group="Returns"),
    # input and safety
    _s("AmountSign", "amount_sign", CHOICE, "signed",
       "signed: amounts carry their sign; by_type: every amount positive, the type gives the sign",
       "signed or by_type", group="Input", choices=("signed", "by_type")),
    _s("Encoding", "encoding", TEXT, "", "Encoding of CSV inputs (blank: detected)", "an encoding such as cp1252",
       group="Input"),
    _s("DecimalComma", "decimal_comma", BOOL, None, "CSV amounts use a decimal comma (blank: detected)",
       "TRUE, FALSE or blank", group="Input"),
    _s("BackupGenerations", "backup_generations", COUNT, 3, "Backups of the workbook kept (BOOK.xlsm.bak1 newest)",
       group="Input", low=0),
    _s("MaxPartMB", "max_part_mb", COUNT, 1024, "Largest uncompressed workbook part read, in MB", group="Input",
       low=1),
    _s("MaxZipRatio", "max_zip_ratio", COUNT, 200, "Largest compression ratio of a part over 100 MB", group="Input",
       low=1),
    # accounts
    _s("ARAccount", "ar_account", TEXT, "1200", "GL account of trade receivables", "an account number",
       group="Accounts"),
    _s("AllowanceAccount", "allowance_account", TEXT, "1290", "GL account of the allowance for doubtful accounts",
       "an account number", group="Accounts"),
    _s("BadDebtExpenseAccount", "bad_debt_expense_account", TEXT, "6420", "GL account of bad-debt expense",
       "an account number", group="Accounts"),
    # credit scoring (README "Credit review and order decisions"): one weight and one points table
    # per factor of CREDIT_FACTORS, the class floors, the recommended limit and the review interval per class
    *(s for f in CREDIT_FACTORS for s in (
        _s(f"CreditWeight{f.cell}", f"credit_weight_{f.stem}", DECIMAL, Decimal(f.weight),
           f"Weight of {f.described} in the credit score (0 leaves it out)", "a number of 0 or more",
           group="Credit scoring", low=Decimal(0)),
        _s(f"CreditPoints{f.cell}", f"credit_points_{f.stem}", POINTS, parse_points(f.points),
           f"Points 0-100 for {f.described}, on straight lines between the pairs; inputs increasing, points only "
           "rising or only falling", group="Credit scoring"),
    )),
    _s("CreditClassScores", "credit_class_scores", DECIMAL_LIST, (Decimal(80), Decimal(65), Decimal(50), Decimal(35)),
       "Lowest score of classes A, B, C and D (below the last: E)", "four falling scores such as 80,65,50,35",
       group="Credit scoring", low=Decimal(0), high=Decimal(100), items=4, order=FALLING),
    _s("CreditMinWeight", "credit_min_weight", DECIMAL, Decimal(25),
       "Weight of known factors a customer needs for a class (less: a score, no class)", "a number of 0 or more",
       group="Credit scoring", low=Decimal(0)),
    _s("CreditLimitNetWorthPct", "credit_limit_net_worth_pct", FRACTION_LIST,
       (Decimal("0.10"), Decimal("0.075"), Decimal("0.05"), Decimal("0.025"), Decimal(0)),
       "Recommended limit: share of tangible net worth for classes A-E", "five shares such as 10%,7.5%,5%,2.5%,0%",
       group="Credit scoring", items=5, order=NOT_RISING),
    _s("CreditLimitAgencyPct", "credit_limit_agency_pct", FRACTION_LIST,
       (Decimal(1), Decimal(1), Decimal("0.75"), Decimal("0.50"), Decimal(0)),
       "Recommended limit: share of the agency's recommended limit for classes A-E",
       "five shares such as 100%,100%,75%,50%,0%", group="Credit scoring", items=5, order=NOT_RISING),
    _s("CreditLimitBillingMonths", "credit_limit_billing_months", DECIMAL_LIST,
       (Decimal(3), Decimal(2), Decimal("1.5"), Decimal(1), Decimal(0)),
       "Recommended limit: months of average monthly billing for classes A-E", "five numbers such as 3,2,1.5,1,0",
       group="Credit scoring", low=Decimal(0), items=5, order=NOT_RISING),
    _s("CreditLimitRounding", "credit_limit_rounding", MONEY, 100_000,
       "Recommended limits are rounded down to a multiple of this (money)", group="Credit scoring"),
    _s("CreditReviewMonths", "credit_review_months", COUNT_LIST, (12, 12, 6, 3, 1),
       "Months to the next credit review for classes A-E", "five whole months such as 12,12,6,3,1",
       group="Credit scoring", low=1, items=5, order=NOT_RISING),
    _s("CreditHistoryDays", "credit_history_days", DAYS, 365,
       "Days of payment history (Cleared Items) the score and the billing look at", group="Credit scoring", low=1),
    _s("CreditTrendDays", "credit_trend_days", DAYS, 90,
       "Recent days the payment trend compares with the rest of the history", group="Credit scoring", low=1),
    _s("CreditTrendChangeDays", "credit_trend_change_days", DECIMAL, Decimal(5),
       "Days paid later (earlier) than before that make the trend WORSENING (IMPROVING)", "a number of 0 or more",
       group="Credit scoring", low=Decimal(0)),
)

BY_CELL: dict[str, Setting] = {s.cell: s for s in SETTINGS}
# named cell on the Settings sheet -> Settings field
NAMED_CELLS: dict[str, str] = {s.cell: s.field for s in SETTINGS}


def _with(self, **changes) -> "Settings":
    return replace(self, **changes)


Settings = make_dataclass(
    "Settings", [(s.field, object, field(default=s.default)) for s in SETTINGS], frozen=True,
    namespace={"with_": _with, "__doc__": "The run's settings (one field per :data:`SETTINGS` declaration)."})
Settings.__module__ = __name__


def parse_buckets(value: object) -> tuple[int, ...]:
    """``"0,30,60,90,120"`` (or a list) -> (0, 30, 60, 90, 120); strictly increasing, >= 0."""
    if isinstance(value, float) and value.is_integer():     # one edge typed into a cell as a number
        value = int(value)
    try:
        edges = tuple(int(float(p)) for p in _parts(value))
    except ValueError:
        raise ValueError(f"{value!r}: expected whole numbers") from None
    if not edges or any(b <= a for a, b in zip(edges, edges[1:])) or edges[0] < 0:
        raise ValueError(f"{value!r}: expected increasing whole days such as 0,30,60,90,120")
    return edges


def _parts(value: object) -> list[str]:
    """A list setting's items: a list as given, or text split at ``,`` or ``;``, blanks dropped."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [p.strip() for p in str(value).replace(";", ",").split(",") if p.strip()]


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    s = str(value).strip().upper()
    if s in ("TRUE", "YES", "Y", "1", "WAHR"):
        return True
    if s in ("FALSE", "NO", "N", "0", "FALSCH"):
        return False
    raise ValueError(f"{value!r}: expected TRUE or FALSE")


def _decimal(value: object) -> Decimal:
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip().rstrip("%").strip())
    except InvalidOperation:
        raise ValueError(f"{value!r}: expected a number") from None
    if not d.is_finite():
        raise ValueError(f"{value!r}: expected a number")
    return d


def _fraction(value: object) -> Decimal:
    """``10%``, ``0.10`` and ``10`` all mean a tenth; a share is between 0 and 1 (100 %)."""
    text = str(value).strip()
    d = _decimal(value)
    if text.endswith("%") or d > 1:
        d = d / 100
    if not 0 <= d <= 1:
        raise ValueError(f"{value!r}: expected a percentage between 0% and 100%")
    return d


def _check_list(s: Setting, items: tuple, value: object) -> None:
    """A list setting has items, as many as ``s.items`` asks, in ``s.order``."""
    pairs = list(zip(items, items[1:]))
    if (not items or (s.items and len(items) != s.items)
            or (s.order == FALLING and any(b >= a for a, b in pairs))
            or (s.order == NOT_RISING and any(b > a for a, b in pairs))):
        raise ValueError(value)


def expected_text(s: Setting, currency: str) -> str:
    """What a cell of setting ``s`` expects, in words (money named in ``currency``)."""
    if s.expected:
        return s.expected
    return {MONEY: f"a non-negative amount in {currency}", FRACTION: "a percentage such as 10% or 0.10",
            DAYS: "a whole number of days (0 or more)", COUNT: f"a whole number of at least {s.low or 0}",
            DECIMAL: "a number", POINTS: "input:points pairs such as 1:0, 3:60, 6:100"}.get(s.kind, "a value")


def parse_value(s: Setting, value: object, *, currency: str, day_first: bool) -> object:
    """One cell's value -> the field's value (raises ValueError/DateError/AmountError)."""
    k = s.kind
    if k == DATE:
        return parse_date(value, day_first=day_first)
    if k == CURRENCY:
        c = str(value).strip().upper()
        if not is_currency(c):
            raise ValueError(c)
        return c
    if k == CHOICE:
        c = str(value).strip().lower()
        if c not in s.choices:
            raise ValueError(c)
        return c
    if k == BUCKETS:
        return parse_buckets(value)
    if k == MONEY:
        m = parse_amount(value, currency)
        if m is None or m < 0:
            raise ValueError(value)
        return m
    if k == MONEY_LIST:
        out = tuple(parse_amount(p, currency) for p in _parts(value))
        if not out or any(m is None or m < 0 for m in out):
            raise ValueError(value)
        return out
    if k == FRACTION:
        return _fraction(value)
    if k in (FRACTION_LIST, DECIMAL_LIST, COUNT_LIST):
        item = Setting(s.cell, s.field, {FRACTION_LIST: FRACTION, DECIMAL_LIST: DECIMAL, COUNT_LIST: COUNT}[k], None, "",
                       low=s.low, high=s.high)
        out = tuple(parse_value(item, p, currency=currency, day_first=day_first) for p in _parts(value))
        _check_list(s, out, value)
        return out
    if k == POINTS:
        return parse_points(value)
    if k in (PERCENT, DECIMAL):
        d = _decimal(value)
    elif k in (DAYS, COUNT):
        d = _decimal(value)
        if d != d.to_integral_value():
            raise ValueError(value)
        d = int(d)
        low = s.low if s.low is not None else 0
        if d < low:
            raise ValueError(value)
        return d
    elif k == BOOL:
        return _bool(value)
    elif k == TEXT:
        return str(value).strip()
    else:  # pragma: no cover - a declaration with an unknown kind is a programming error
        raise AssertionError(k)
    if (s.low is not None and d < s.low) or (s.high is not None and d > s.high):
        raise ValueError(value)
    return d


def from_named_values(values: dict[str, object], base: "Settings | None" = None,
                      *, file: str = "", sheet: str = "Settings") -> tuple["Settings", list[InputError]]:
    """Build Settings from named-cell values; blanks keep the ``base`` value.  Problems come
    back as InputError records (column = the cell's name)."""
    s = base or Settings()
    errors: list[InputError] = []
    changes: dict = {}

    def blank(v):
        return v is None or (isinstance(v, str) and not v.strip())

    # the reporting currency and DayFirst shape how the other cells are read: first
    order = sorted(SETTINGS, key=lambda d: d.cell not in ("ReportingCurrency", "DayFirst"))
    for decl in order:
        v = values.get(decl.cell)
        if blank(v):
            continue
        currency = changes.get("reporting_currency", s.reporting_currency)
        day_first = changes.get("day_first", s.day_first)
        try:
            parsed = parse_value(decl, v, currency=currency, day_first=day_first)
        except (ValueError, DateError, AmountError, TypeError):
            errors.append(InputError(f"setting {decl.cell} is not valid", "settings", file, sheet, None, decl.cell,
                                     str(v), expected_text(decl, currency)))
            continue
        if parsed is None and decl.kind == DATE:
            continue
        changes[decl.field] = parsed
    return replace(s, **changes), errors


def from_settings_file(path: str | Path, base: "Settings | None" = None) -> tuple["Settings", list[InputError]]:
    """A ``--settings`` CSV of ``name,value`` rows (a header row ``name,value`` is optional):
    the named cells above; an unknown name is refused naming its line."""
    path = Path(path)
    values: dict[str, object] = {}
    errors: list[InputError] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        return base or Settings(), [InputError("the settings file cannot be read", "settings", path.name, "", None, "",
                                               "", f"a UTF-8 CSV of name,value ({e.__class__.__name__})")]
    for line_no, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not "".join(row).strip():
            continue
        name = row[0].strip()
        if line_no == 1 and name.lower() in ("name", "setting"):
            continue
        if name not in BY_CELL:
            errors.append(InputError(f"unknown setting {name!r}", "settings", path.name, "", line_no, "name", name,
                                     "one of the named cells of CONTRACT §3 such as CreditFlexPct"))
            continue
        values[name] = row[1] if len(row) > 1 else ""
    settings, problems = from_named_values(values, base, file=path.name, sheet="")
    return settings, errors + problems
