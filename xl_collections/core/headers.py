"""The words people read at the top of a result table, beside the contract's column names.

Every sheet the program writes shows ``HEADERS[name]`` ("Customer", "Total Open", "Days Past
Due") instead of the contract's snake_case name; a name not listed shows as its readable
title case (``claim_rank`` -> "Claim Rank"), so a sheet added later gets human headers without
a change here, and reads back under its contract name once its names are listed.  CSV outputs
keep the contract's names (CONTRACT §4).  Reading a result sheet back goes the other way
(:func:`contract_name`): a listed human header, or a contract name as older books carry it,
gives the contract's name; anything else (a user's own column) is kept as typed.
"""
from __future__ import annotations

import re

# contract name -> what the sheet shows.  The shown words are unique (but for the chart data's
# ``customer``), so a header read back names one column; they differ from the user columns the
# program suggests (Commentary's "Owner", "Next action"), which stay the user's.  Bucket labels
# ("1-30", "121+") show as they are.
HEADERS: dict[str, str] = {
    # customers and documents
    "customer_id": "Customer", "customer_name": "Customer Name",
    "customer": "Customer",             # the Aging chart's data: shown alike, read back as customer_id
    "parent_id": "Parent", "region": "Region", "collector": "Collector", "currency": "Currency",
    "document_no": "Document", "doc_type": "Type", "document_date": "Document Date", "due_date": "Due Date",
    "amount": "Amount", "open_amount": "Open Amount", "po_number": "PO Number", "reference": "Reference",
    "reason_code": "Reason Code", "reason": "Reason", "status": "Status", "source_row": "Source Row",
    "basis_date": "Aging Date", "days_past_due": "Days Past Due", "bucket": "Bucket", "fx_rate": "FX Rate",
    "reporting_amount": "Reporting Amount", "item_open_amount": "Item Open Amount", "item_amount": "Item Amount",
    "related_document_no": "Related Document", "oldest_document": "Oldest Document",
    # aging
    "total_open": "Total Open", "not_due": "Not Due", "past_due": "Past Due", "disputed": "Disputed",
    "credits": "Credits", "collectable_past_due": "Collectable Past Due", "period": "Period",
    "past_due_by_bucket": "Past Due by Bucket", "as_of": "As Of", "oldest_days": "Oldest (days)", "total": "Total",
    # KPIs and the close
    "kpi": "KPI", "value": "Value", "unit": "Unit", "formula": "Formula", "inputs": "Inputs",
    "step": "Step", "task": "Task", "rows": "Rows", "seconds": "Seconds", "finished_utc": "Finished (UTC)",
    "sheets": "Sheets", "message": "Message", "run_id": "Run", "time_utc": "Time (UTC)", "user": "User",
    # cash application
    "payment_id": "Payment", "value_date": "Value Date", "applied_amount": "Applied Amount", "rule": "Rule",
    "confidence": "Confidence", "evidence": "Evidence", "open_before": "Open Before",
    "write_off_amount": "Write-off Amount", "discount_amount": "Discount Amount",
    "deduction_amount": "Deduction Amount", "payment_amount": "Payment Amount", "payer_account": "Payer Account",
    "payer_name": "Payer", "bank_reference": "Bank Reference", "end_to_end_id": "End-to-end ID",
    "return_id": "Return", "posting_type": "Posting Type", "text": "Text", "amount_unapplied": "Amount Unapplied",
    "next_step": "Next Step", "detail": "Detail", "decision": "Decision",
    # cards, returned items, claims
    "batch_id": "Batch", "settlement_date": "Settlement Date", "transactions": "Transactions", "gross": "Gross",
    "fees": "Fees", "net": "Net", "applied": "Applied", "unapplied": "Unapplied", "bank_payment_id": "Bank Payment",
    "transaction_id": "Transaction", "gross_amount": "Gross Amount", "fee_amount": "Fee Amount",
    "net_amount": "Net Amount", "card_brand": "Card Brand", "cardholder_name": "Cardholder",
    "record_type": "Record Type", "original_ref": "Original Reference",
    "original_transaction_id": "Original Transaction", "documents": "Documents", "reopened": "Reopened",
    "where": "Where", "cleared_date": "Cleared Date", "date": "Date", "type": "Activity Type",
    # reconciliation
    "line": "Line", "source": "Source", "subledger_total": "Sub-ledger Total", "gl_balance": "GL Balance",
    "difference": "Difference", "explained": "Explained", "unexplained": "Unexplained", "break_type": "Break",
    "breaks": "Breaks", "register_amount": "Register Amount", "ledger_amount": "Ledger Amount",
    "normalised": "Matched As", "register_row": "Register Row", "ledger_row": "Ledger Row",
    # commentary
    "measure": "Measure", "this_close": "This Close", "prior_close": "Prior Close", "change": "Change",
    "comment": "Comment", "comment_status": "Comment Status", "change_vs_prior": "Change vs Prior",
    "deductions": "Deductions", "offsets": "Offsets", "latest_draft": "Latest Draft",
    "resolved_on": "Resolved On", "last_past_due": "Last Past Due",
    # credit
    "risk_class": "Risk Class", "computed_class": "Computed Class", "score": "Score",
    "credit_limit": "Credit Limit", "exposure": "Exposure", "utilisation": "Utilisation",
    "recommended_limit": "Recommended Limit", "review_date": "Review Date", "reasons": "Reasons",
    "open_ar": "Open AR", "open_orders": "Open Orders", "max_days_past_due": "Max Days Past Due",
    "altman_z": "Altman Z''", "altman_zone": "Altman Zone", "paydex": "PAYDEX", "add_days": "ADD (days)",
    "pct_paid_late": "Paid Late %", "payment_trend": "Payment Trend", "group_exposure": "Group Exposure",
    "group_limit": "Group Limit", "group_utilisation": "Group Utilisation",
    "shipped_not_billed": "Shipped Not Billed", "current_ratio": "Current Ratio", "quick_ratio": "Quick Ratio",
    "debt_to_equity": "Debt to Equity", "equity_ratio": "Equity Ratio", "interest_cover": "Interest Cover",
    "dso": "DSO", "dpo": "DPO", "tangible_net_worth": "Tangible Net Worth", "failure_score": "Failure Score",
    "delinquency_score": "Delinquency Score", "agency_limit": "Agency Limit",
    "returned_payments": "Returned Payments", "statement_date": "Statement Date", "report_date": "Report Date",
    "credit_review_date": "Credit Review Date", "flags": "Flags", "order_no": "Order", "order_date": "Order Date",
    "exposure_before": "Exposure Before", "exposure_after": "Exposure After",
    "final_decision": "Final Decision", "approved_by": "Approved By",
    # collections
    "customers": "Customers", "escalated": "Escalated", "due_today": "Due Today",
    "promises_kept_pct": "Promises Kept %", "rank": "Rank", "priority_score": "Priority Score",
    "broken_promises": "Broken Promises", "open_disputes": "Open Disputes", "next_action": "Next Action",
    "next_action_date": "Next Action Date", "escalate": "Escalate", "last_contact": "Last Contact",
    "change_7d": "Change 7 Days", "promises": "Promises", "last_note": "Last Note", "kept": "Kept",
    "judged": "Judged", "broken": "Broken", "kept_pct": "Kept %", "promise_date": "Promise Date",
    "promised_amount": "Promised Amount", "paid_amount": "Paid Amount", "paid_date": "Paid Date",
    "made_on": "Made On", "due_by": "Due By", "note": "Note", "category": "Category", "kind": "Kind",
    "cases": "Cases", "sla_breached": "SLA Breached", "case_id": "Case", "check": "Check", "owner": "Case Owner",
    "opened": "Opened", "age_days": "Age (days)", "response_due": "Response Due", "responded": "Responded",
    "resolution": "Resolution", "resolution_note": "Resolution Note", "check_detail": "Check Detail",
    "last_activity": "Last Activity",
    # dunning
    "letter_id": "Letter", "level": "Level", "last_level": "Last Level", "last_letter_date": "Last Letter Date",
    "items": "Items", "currencies": "Currencies", "amount_overdue": "Amount Overdue", "interest": "Interest",
    "fee": "Fee", "total_due": "Total Due", "language": "Language", "email": "Email",
    "letter_file": "Letter File", "approve": "Approve", "why": "Why", "blocked_reason": "Blocked Reason",
    "letter_date": "Letter Date", "file": "File",
    # allowance
    "account": "Account", "debit": "Debit", "credit": "Credit", "memo": "Memo", "balance": "Balance",
    "roll_rate": "Roll Rate", "loss_rate": "Loss Rate", "applied_rate": "Applied Rate",
    "provision": "Provision", "roll_source": "Roll Source", "rolled": "Rolled", "base": "Base",
    "from_period": "From Period", "net_write_offs": "Net Write-offs", "opening": "Opening",
    "write_offs": "Write-offs", "recoveries": "Recoveries", "charge": "Charge", "closing": "Closing",
    "collective": "Collective", "specific": "Specific", "pct": "Reserve %", "reserve": "Reserve",
    "written_off": "Written Off", "approver": "Approver", "approved_on": "Approved On",
    # claims ("we paid")
    "claim": "Claim", "claimed_customer": "Claimed Customer",
}

_SNAKE = re.compile(r"[a-z0-9][a-z0-9_]*")
_SHA = "sha256_"                 # the Audit Log's fingerprint columns: sha256_<table>
_SHA_SHOWN = "SHA-256 "
_BACK: dict[str, str] = {}
for _k, _v in HEADERS.items():
    _BACK.setdefault(_v, _k)


def _title(snake: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in snake.split("_") if w)


def human_header(name: str) -> str:
    """What a sheet shows for the contract column ``name``: the listed words, else its title
    case (``sha256_open_items`` -> "SHA-256 Open Items") unless another column shows those words
    (then the name itself); a name that is not snake_case (a bucket label such as ``1-30``, a
    user's "My notes") is shown as it is."""
    if name in HEADERS:
        return HEADERS[name]
    if name.startswith(_SHA) and _SNAKE.fullmatch(name):
        return _SHA_SHOWN + _title(name[len(_SHA):])
    if not _SNAKE.fullmatch(name) or name.isdigit():
        return name
    title = _title(name)
    return name if title in _BACK else title      # never the words of another column: they read back as it


def contract_name(header: str) -> str:
    """The contract's name of a header read from a result sheet: a listed human header (exactly,
    case included: Commentary's own "Next action" is the user's) or the contract name itself gives
    the contract name; any other text is kept as it is."""
    h = header.strip()
    if h in HEADERS:
        return h
    back = _BACK.get(h)
    if back is not None:
        return back
    if h.startswith(_SHA_SHOWN):
        return _SHA + h[len(_SHA_SHOWN):].lower().replace(" ", "_")
    return header
