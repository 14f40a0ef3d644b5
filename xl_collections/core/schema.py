"""The canonical tables of CONTRACT §2, declared apart from the code that checks them.

A canonical table is a pandas DataFrame with the contract's lower-case column names and
these types (what every engine may rely on):

=========  ==========================================================================
kind       in the DataFrame
=========  ==========================================================================
text       Python ``str`` in an object column; a blank is ``""`` (never NaN).  Identifiers
           stay text: ``00123`` is ``"00123"``.
code       text, stripped and upper-cased (``doc_type``, ``status``, ``currency``, ``type``)
date       ``datetime64[ns]`` at midnight; a blank optional date is ``NaT``
money      integer **minor units of the row's currency** (``int64``; ``Int64`` with <NA> only
           for optional columns where blank means "not given", e.g. ``credit_limit``)
rate       ``decimal.Decimal`` in an object column (exact FX rates and percentages)
=========  ==========================================================================

Every canonical table also has ``source_row``: the 1-based row where the record stands in
its source (Excel row number or CSV line number), so later steps can point at it, and
``df.attrs["table"]`` / ``df.attrs["source"]`` (file and sheet).  Engines ignore columns
they do not know.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TEXT, CODE, DATE, MONEY, RATE = "text", "code", "date", "money", "rate"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT
    required: bool = False
    default: object = None          # value for a blank optional cell (None: leave blank)
    choices: tuple[str, ...] = ()   # allowed codes, when the set is closed
    aliases: tuple[str, ...] = ()   # other headers real exports use (compared normalised)
    nullable_money: bool = False    # money where blank means "not given" (Int64 <NA>)
    when_given: bool = False        # in the canonical table only when the source has the column


@dataclass(frozen=True)
class Table:
    name: str
    sheet: str                       # the workbook's input sheet (CONTRACT §3)
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()     # columns whose values must be unique (after normalising)
    extra: dict = field(default_factory=dict)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def always(self) -> list[str]:
        """The columns every canonical table has (not the ones kept only when given)."""
        return [c.name for c in self.columns if not c.when_given]


DOC_TYPES = ("INV", "DM", "CM", "PMT", "DED", "ADJ")
STATUSES = ("OPEN", "DISPUTED", "PROMISED", "HOLD")
ACTIVITY_TYPES = ("CALL", "EMAIL", "LETTER", "PROMISE", "DISPUTE", "NOTE")
RECORD_TYPES = ("PAYMENT", "RETURN", "DEBIT")
CARD_RECORD_TYPES = ("SALE", "REFUND", "CHARGEBACK", "CHARGEBACK_REVERSAL")
ORDER_STATUSES = ("OPEN", "SHIPPED_NOT_BILLED")
AGING_BUCKET_LABELS_DEFAULT = ("not_due", "1-30", "31-60", "61-90", "91-120", "121+")
REASON_CODES = ("PRICING", "SHORTAGE", "DAMAGED", "RETURN", "PROMO", "TAX", "FREIGHT",
                "DUPLICATE", "NO_PO", "PAID_NOT_APPLIED", "BANKRUPT", "OTHER")

_CUSTOMER_ID = Column("customer_id", TEXT, True, aliases=(
    "customer", "customer no", "customer number", "customer #", "cust id", "cust no", "cust #",
    "customerid", "account", "account no", "account number", "debtor", "debtor no", "kunde",
    "kundennummer", "debitor", "sold to", "sold-to", "bill to", "bill-to", "client id"))
_DOCUMENT_NO = Column("document_no", TEXT, True, aliases=(
    "document", "document no.", "document number", "doc no", "doc #", "doc number", "invoice",
    "invoice no", "invoice no.", "invoice number", "invoice #", "inv no", "inv #", "invoicenumber",
    "belegnummer", "beleg", "reference document", "ref doc", "bill no", "bill number"))
_CURRENCY = Column("currency", CODE, aliases=("curr", "ccy", "currency code", "cur", "waehrung", "währung", "invoice currency", "doc currency"))
_AMOUNT_ALIASES = ("amt", "document amount", "original amount", "invoice amount", "invoiceamount", "gross amount", "betrag", "orig amount")
_DOC_DATE_ALIASES = ("doc date", "invoice date", "invoicedate", "date", "belegdatum", "posting date doc", "bill date", "inv date")

DEBIT_CREDIT = ("D", "C")
_DEBIT_CREDIT = Column("debit_credit", CODE, default="", choices=DEBIT_CREDIT, when_given=True, aliases=(
    "debit/credit", "debit/credit ind", "debit/credit indicator", "d/c", "dc", "dc indicator", "soll/haben",
    "soll/haben-kennzeichen", "soll-haben-kennzeichen", "s/h", "shkz", "sh"))

OPEN_ITEMS = Table("open_items", "Open Items", (
    _CUSTOMER_ID,
    _DOCUMENT_NO,
    Column("doc_type", CODE, default="INV", choices=DOC_TYPES, aliases=("type", "document type", "doc type", "belegart")),
    Column("document_date", DATE, True, aliases=_DOC_DATE_ALIASES),
    Column("due_date", DATE, aliases=("due", "due date", "duedate", "net due date", "faelligkeit", "fälligkeit", "net due")),
    Column("amount", MONEY, aliases=_AMOUNT_ALIASES),
    Column("open_amount", MONEY, True, aliases=("open", "open amount", "balance", "amount open", "remaining amount", "outstanding", "amount due", "balance due", "offener betrag", "open balance")),
    _CURRENCY,
    Column("po_number", TEXT, default="", aliases=("po", "po no", "po number", "po #", "purchase order", "customer po", "bestellnummer")),
    Column("reference", TEXT, default="", aliases=("ref", "text", "description", "memo")),
    Column("reason_code", CODE, default="", aliases=("reason", "reason code", "dispute reason")),
    Column("status", CODE, default="OPEN", choices=STATUSES, aliases=("item status",)),
    # real exports (CONTRACT §1): document_no is unique per fiscal_year and item when given;
    # debit_credit (D/C, SAP and DATEV S/H) gives the sign of amounts exported positive
    Column("fiscal_year", TEXT, default="", when_given=True, aliases=("fiscal year", "geschäftsjahr", "geschaeftsjahr", "gjahr", "wirtschaftsjahr")),
    Column("item", TEXT, default="", when_given=True, aliases=("line item", "item no", "buzei", "posten", "belegposition")),
    _DEBIT_CREDIT,
), unique=("document_no",))

CUSTOMERS = Table("customers", "Customers", (
    _CUSTOMER_ID,
    Column("customer_name", TEXT, True, aliases=("name", "customer name", "account name", "debtor name", "company", "kundenname")),
    Column("credit_limit", MONEY, nullable_money=True, aliases=("limit", "credit limit", "creditlimit", "kreditlimit")),
    Column("payment_terms", TEXT, default="", aliases=("terms", "payment terms", "terms code", "zahlungsbedingung")),
    Column("collector", TEXT, default="", aliases=("collector", "analyst", "owner", "specialist")),
    Column("region", TEXT, default="", aliases=("region", "territory", "country", "countrycode", "country code", "market")),
    Column("risk_class", TEXT, default="", aliases=("risk", "risk class", "risk category", "rating")),
    Column("parent_id", TEXT, default="", aliases=("parent", "parent id", "parent account", "group", "konzern")),
    Column("email", TEXT, default="", aliases=("e-mail", "email address", "mail")),
    Column("phone", TEXT, default="", aliases=("telephone", "tel", "phone number")),
    Column("bank_accounts", TEXT, default="", aliases=("bank account", "iban", "ibans", "bank accounts")),
    Column("open_orders", MONEY, nullable_money=True, aliases=("open orders", "orders", "backlog")),
    Column("address", TEXT, default="", aliases=("billing address", "bill-to address", "anschrift")),
    Column("language", CODE, default="", aliases=("lang", "language code", "sprache")),
    Column("dunning_block", TEXT, default="", aliases=("dunning block", "mahnsperre", "no dunning")),
    Column("credit_review_date", DATE, aliases=("credit review date", "review date", "next review")),
), unique=("customer_id",))

PAYMENTS = Table("payments", "Payments", (
    Column("payment_id", TEXT, True, aliases=("payment", "payment no", "payment number", "receipt", "receipt no", "check no", "check number", "cheque no", "transaction id", "bank ref")),
    Column("value_date", DATE, True, aliases=("date", "payment date", "receipt date", "deposit date", "valuta", "value date", "booking date")),
    Column("amount", MONEY, True, aliases=("amt", "payment amount", "amount received", "received", "credit", "betrag")),
    _CURRENCY,
    Column("payer_name", TEXT, default="", aliases=("payer", "remitter", "ordering party", "name", "payer name", "customer name", "auftraggeber")),
    Column("payer_account", TEXT, default="", aliases=("account", "payer iban", "iban", "remitter account", "payer account", "from account")),
    Column("reference", TEXT, default="", aliases=("remittance", "remittance text", "memo", "description", "details", "verwendungszweck", "payment reference", "ref")),
    Column("customer_id", TEXT, default="", aliases=("customer", "customer no", "cust id", "customer number")),
    Column("record_type", CODE, default="PAYMENT", choices=RECORD_TYPES, aliases=("record type", "entry type")),
    Column("original_ref", TEXT, default="", aliases=("original reference", "original ref", "returned ref")),
    Column("reason_code", CODE, default="", aliases=("return reason code", "return code")),
    Column("reason", TEXT, default="", aliases=("return reason",)),
    # the bank's own reference of the entry and the payer's end-to-end id (camt EndToEndId, MT940 EREF):
    # one bank entry loaded twice under other payment ids is still one payment (DUPLICATE_PAYMENT)
    Column("bank_reference", TEXT, default="", aliases=("bank reference", "bank ref no", "acctsvcrref",
                                                        "account servicer reference")),
    Column("end_to_end_id", TEXT, default="", aliases=("end to end id", "end-to-end id", "endtoendid", "e2e id",
                                                       "e2e reference", "eref")),
), unique=("payment_id",))

REMITTANCE = Table("remittance", "Remittance", (
    Column("payment_id", TEXT, True, aliases=("payment", "payment no", "check no", "receipt no")),
    Column("document_no", TEXT, default="", aliases=_DOCUMENT_NO.aliases),
    Column("amount_paid", MONEY, True, aliases=("paid", "amount paid", "payment amount", "amount")),
    Column("discount_taken", MONEY, default=0, aliases=("discount", "discount taken", "cash discount", "skonto")),
    Column("deduction_amount", MONEY, default=0, aliases=("deduction", "deduction amount", "short pay", "short paid")),
    Column("deduction_reason", CODE, default="", aliases=("reason", "deduction reason", "reason code")),
))

REGISTER = Table("register", "Register", (
    _DOCUMENT_NO, _CUSTOMER_ID,
    Column("document_date", DATE, True, aliases=_DOC_DATE_ALIASES),
    Column("amount", MONEY, True, aliases=_AMOUNT_ALIASES + ("total", "invoice total", "net amount")),
    _CURRENCY,
))

LEDGER = Table("ledger", "Ledger", (
    _DOCUMENT_NO, _CUSTOMER_ID,
    Column("doc_type", CODE, default="INV", choices=DOC_TYPES, aliases=("type", "document type", "doc type")),
    Column("document_date", DATE, True, aliases=_DOC_DATE_ALIASES),
    Column("posting_date", DATE, aliases=("posting date", "posted", "gl date", "buchungsdatum")),
    Column("amount", MONEY, True, aliases=_AMOUNT_ALIASES),
    _CURRENCY,
    _DEBIT_CREDIT,
))

GL = Table("gl", "GL", (
    Column("period", TEXT, True, aliases=("fiscal period", "month", "periode")),
    Column("account", TEXT, default="", aliases=("gl account", "account no", "konto")),
    Column("opening_balance", MONEY, nullable_money=True, aliases=("opening", "opening balance", "begin balance", "beginning balance")),
    Column("debits", MONEY, nullable_money=True, aliases=("debit", "dr")),
    Column("credits", MONEY, nullable_money=True, aliases=("credit", "cr")),
    Column("closing_balance", MONEY, True, aliases=("closing", "closing balance", "ending balance", "end balance", "balance")),
    _CURRENCY,
))

ACTIVITY = Table("activity", "Activity", (
    _CUSTOMER_ID,
    Column("date", DATE, True, aliases=("activity date", "contact date")),
    Column("type", CODE, True, choices=ACTIVITY_TYPES, aliases=("activity", "activity type", "action")),
    Column("document_no", TEXT, default="", aliases=("invoice", "invoice no", "document")),
    Column("amount", MONEY, nullable_money=True, aliases=("promised amount", "amount")),
    Column("promise_date", DATE, aliases=("promise date", "promised date", "ptp date")),
    Column("note", TEXT, default="", aliases=("notes", "comment", "comments", "text")),
    Column("collector", TEXT, default="", aliases=("user", "analyst", "by")),
))

FX_RATES = Table("fx_rates", "FX Rates", (
    Column("currency", CODE, True, aliases=("curr", "ccy", "from currency", "currency code")),
    Column("rate", RATE, True, aliases=("fx rate", "exchange rate", "rate to usd", "kurs")),
    Column("date", DATE, aliases=("rate date", "as of", "valid from")),
))

# ---- credit & collections inputs (CONTRACT §2): financials, orders, agency reports, payment history

FINANCIALS = Table("financials", "Financials", (
    _CUSTOMER_ID,
    Column("period_end", DATE, True, aliases=("period end", "fiscal year end", "fye", "balance sheet date")),
    _CURRENCY,
    Column("scale", TEXT, default="1", aliases=("unit", "units", "in")),
    *(Column(n, MONEY, nullable_money=True, aliases=(n.replace("_", " "),)) for n in (
        "revenue", "cost_of_sales", "ebit", "interest_expense", "net_income", "cash", "accounts_receivable",
        "inventory")),
    Column("current_assets", MONEY, True, aliases=("current assets",)),
    Column("intangible_assets", MONEY, nullable_money=True, aliases=("intangible assets", "intangibles", "goodwill")),
    Column("total_assets", MONEY, True, aliases=("total assets",)),
    Column("accounts_payable", MONEY, nullable_money=True, aliases=("accounts payable", "trade payables")),
    Column("current_liabilities", MONEY, True, aliases=("current liabilities",)),
    Column("total_liabilities", MONEY, True, aliases=("total liabilities",)),
    Column("retained_earnings", MONEY, True, aliases=("retained earnings",)),
    Column("equity", MONEY, True, aliases=("book equity", "total equity", "shareholders equity", "net worth")),
))

ORDERS = Table("orders", "Orders", (
    Column("order_no", TEXT, True, aliases=("order", "order no.", "order number", "sales order", "so number", "auftrag")),
    _CUSTOMER_ID,
    Column("order_date", DATE, True, aliases=("order date", "date", "created")),
    Column("amount", MONEY, True, aliases=("order amount", "order value", "net value", "value")),
    _CURRENCY,
    Column("requested_date", DATE, aliases=("requested date", "requested delivery date", "ship date")),
    Column("status", CODE, default="OPEN", choices=ORDER_STATUSES, aliases=("order status",)),
), unique=("order_no",))

CREDIT_REPORTS = Table("credit_reports", "Credit Reports", (
    _CUSTOMER_ID,
    Column("report_date", DATE, True, aliases=("report date", "date", "as of")),
    Column("source", TEXT, default="", aliases=("agency", "bureau")),
    Column("paydex", RATE, aliases=("paydex score",)),
    Column("failure_score", RATE, aliases=("failure score", "financial stress score")),
    Column("delinquency_score", RATE, aliases=("delinquency score", "commercial credit score")),
    Column("rating", TEXT, default="", aliases=("agency rating", "d&b rating")),
    Column("recommended_limit", MONEY, nullable_money=True, aliases=("recommended limit", "agency limit")),
    Column("note", TEXT, default="", aliases=("notes", "comment")),
))

CLEARED_ITEMS = Table("cleared_items", "Cleared Items", (
    _CUSTOMER_ID, _DOCUMENT_NO,
    Column("document_date", DATE, True, aliases=_DOC_DATE_ALIASES),
    Column("due_date", DATE, True, aliases=("due", "due date", "net due date")),
    Column("amount", MONEY, True, aliases=_AMOUNT_ALIASES),
    Column("cleared_date", DATE, True, aliases=("cleared date", "clearing date", "paid date", "payment date")),
    _CURRENCY,
))

WRITE_OFFS = Table("write_offs", "Write-offs", (
    Column("period", TEXT, True, aliases=("fiscal period", "month")),
    _CUSTOMER_ID,
    Column("document_no", TEXT, default="", aliases=_DOCUMENT_NO.aliases),
    Column("amount", MONEY, True, aliases=("written off", "write-off amount", "amount written off")),
    Column("reason_code", CODE, default="", aliases=("reason", "reason code")),
))

AGING_HISTORY = Table("aging_history", "Aging History", (
    Column("period", TEXT, True, aliases=("fiscal period", "month")),
    _CUSTOMER_ID,
    Column("bucket", TEXT, True, aliases=("aging bucket",)),
    Column("amount", MONEY, True, aliases=("balance",)),
))

# letters sent (the append-only ``Dunning History`` sheet, ``dunning --history``); amount in the reporting currency
DUNNING_HISTORY = Table("dunning_history", "Dunning History", (
    _CUSTOMER_ID,
    Column("level", TEXT, True, aliases=("dunning level", "mahnstufe")),
    Column("letter_date", DATE, True, aliases=("date", "letter date", "sent", "mahndatum")),
    Column("items", TEXT, default=""),
    Column("amount", MONEY, nullable_money=True, aliases=("total due", "total_due")),
    Column("file", TEXT, default="", aliases=("letter", "letter file", "letter_file")),
))

CARD_SETTLEMENTS = Table("card_settlements", "Card Settlements", (
    Column("batch_id", TEXT, True, aliases=("batch", "batch no", "batch number", "settlement batch", "deposit id")),
    Column("settlement_date", DATE, True, aliases=("settlement date", "settled", "deposit date", "payout date")),
    Column("transaction_id", TEXT, True, aliases=("transaction", "txn id", "transaction no", "charge id", "psp reference")),
    Column("gross_amount", MONEY, True, aliases=("gross", "amount", "charge amount", "sale amount")),
    Column("fee_amount", MONEY, True, aliases=("fee", "fees", "processing fee", "commission")),
    Column("net_amount", MONEY, True, aliases=("net", "payout amount", "net payout")),
    _CURRENCY,
    Column("card_brand", TEXT, default="", aliases=("brand", "card type", "scheme", "payment method")),
    Column("reference", TEXT, default="", aliases=("description", "invoice", "order id", "merchant reference")),
    Column("cardholder_name", TEXT, default="", aliases=("cardholder", "card holder", "name", "customer name")),
    Column("customer_id", TEXT, default="", aliases=("customer", "customer no")),
    Column("record_type", CODE, default="SALE", choices=CARD_RECORD_TYPES, aliases=("record type", "type")),
    Column("original_transaction_id", TEXT, default="", aliases=("original transaction", "original transaction id")),
), unique=("transaction_id",))

CLAIMS = Table("claims", "Claims", (
    _CUSTOMER_ID,
    Column("amount", MONEY, nullable_money=True, aliases=("claimed amount",)),
    Column("date", DATE, aliases=("claimed date", "paid on", "payment date")),
    Column("reference", TEXT, default="", aliases=("claimed reference", "invoice", "check no")),
    Column("note", TEXT, default=""),
))

# a customer's statement of account, for ``statement-recon``: amounts signed from OUR point of
# view (our invoices positive, their payments negative), or debit/credit columns
STATEMENT = Table("statement", "Statement", (
    Column("document_no", TEXT, default="", aliases=(
        "document", "document no.", "document number", "doc no", "doc #", "invoice", "invoice no", "invoice no.",
        "invoice number", "invoice #", "inv no", "our invoice", "vendor invoice", "supplier invoice", "belegnummer")),
    Column("document_date", DATE, aliases=("date", "doc date", "invoice date", "posting date", "belegdatum")),
    Column("amount", MONEY, nullable_money=True, aliases=("amt", "amount", "balance", "open amount", "betrag")),
    Column("debit", MONEY, nullable_money=True, aliases=("dr", "debit amount", "soll")),
    Column("credit", MONEY, nullable_money=True, aliases=("cr", "credit amount", "haben")),
    Column("reference", TEXT, default="", aliases=("ref", "text", "description", "memo", "remittance", "their reference")),
    Column("type", CODE, default="", aliases=("doc type", "document type", "transaction type", "belegart")),
    Column("currency", CODE, aliases=("curr", "ccy", "currency code", "waehrung", "währung")),
))

# the input tables of the collections workbook (CONTRACT §3), in sheet order
BOOK_TABLES: dict[str, Table] = {t.name: t for t in (OPEN_ITEMS, CUSTOMERS, PAYMENTS, REMITTANCE, REGISTER, LEDGER,
                                                     GL, ACTIVITY, FX_RATES)}
# input tables of the credit & collections workflow (CONTRACT §2-3), read by their own steps;
# ``Aging History`` is a program sheet that also takes a user's pasted rows
WORKFLOW_TABLES: dict[str, Table] = {t.name: t for t in (FINANCIALS, ORDERS, CREDIT_REPORTS, CLEARED_ITEMS, WRITE_OFFS,
                                                         CARD_SETTLEMENTS, CLAIMS, AGING_HISTORY,
                                                         DUNNING_HISTORY)}
# every canonical table, by name (what the readers and the validator look up)
TABLES: dict[str, Table] = {**BOOK_TABLES, **WORKFLOW_TABLES, STATEMENT.name: STATEMENT}
