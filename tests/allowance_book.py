"""The allowance tests' small book, as a user's sheets would hold it (shared by the engine's
and the close's tests): October's open items, August and September pasted per customer and
bucket, and the write-offs of September and October."""
import datetime as dt

from xl_collections.core.settings import Settings

OCT31 = dt.date(2026, 10, 31)
SETTINGS = Settings(as_of=OCT31, aging_buckets=(0, 30, 60), allowance_lookback_months=2)
HEAD = ["customer_id", "document_no", "doc_type", "document_date", "due_date", "open_amount", "status", "reason_code"]
# October's receivables: not_due 900.00, 1-30 360.00, 31-60 90.00, 61+ 130.00 (the credit memo
# is not a receivable and stays out of the history and the provision)
ITEMS = [
    ["C1", "INV1", "INV", "2026-10-15", "2026-11-15", "900.00", "OPEN", ""],
    ["C1", "CM1", "CM", "2026-10-01", "2026-10-20", "-50.00", "OPEN", ""],
    ["C2", "INV2", "INV", "2026-09-10", "2026-10-10", "260.00", "OPEN", ""],
    ["C2", "INV3", "INV", "2026-09-05", "2026-10-05", "100.00", "DISPUTED", "PRICING"],
    ["C3", "INV4", "INV", "2026-08-15", "2026-09-15", "90.00", "OPEN", ""],
    ["C3", "INV5", "INV", "2026-06-01", "2026-07-01", "80.00", "OPEN", ""],
    ["C4", "INV6", "INV", "2026-07-01", "2026-08-01", "50.00", "DISPUTED", "BANKRUPT"],
]
HISTORY_HEAD = ["period", "customer_id", "bucket", "amount"]
PASTED = [
    ["2026-08", "C1", "not_due", "1000.00"], ["2026-08", "C2", "1-30", "400.00"],
    ["2026-08", "C3", "31-60", "150.00"], ["2026-08", "C2", "31-60", "50.00"], ["2026-08", "C3", "61+", "100.00"],
    ["2026-09", "C1", "not_due", "1200.00"], ["2026-09", "C2", "1-30", "300.00"],
    ["2026-09", "C3", "31-60", "150.00"], ["2026-09", "C3", "61+", "120.00"],
]
WRITE_OFFS_HEAD = ["period", "customer_id", "document_no", "amount"]
WRITE_OFFS = [
    ["2026-09", "C9", "INV90", "25.00"], ["2026-09", "C9", "INV90", "-5.00"],   # net 20.00 in September
    ["2026-10", "C8", "INV80", "30.00"], ["2026-10", "C8", "INV70", "-5.00"],   # 30.00 off, 5.00 recovered
]
