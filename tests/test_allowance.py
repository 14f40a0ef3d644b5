"""The allowance engine (CONTRACT §6 "Allowance"): a roll-rate example worked by hand to the
cent, the movement identity and a balanced journal, short and missing history, capped rolls,
specific reserves taken once, the write-off rules at their thresholds, approvals recorded once."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xl_collections.allowance import compute_allowance
from xl_collections.allowance.movement import journal, movement
from xl_collections.allowance.rolls import default_roll
from xl_collections.io.validate import canonical
from xl_collections.core.settings import Settings

from allowance_book import HEAD, HISTORY_HEAD, ITEMS, OCT31, PASTED as PASTED_ROWS, SETTINGS, WRITE_OFFS as WRITE_OFF_ROWS, \
    WRITE_OFFS_HEAD


def open_items(rows):
    return canonical(pd.DataFrame(rows, columns=HEAD), "open_items")


def history(rows):
    return canonical(pd.DataFrame(rows, columns=HISTORY_HEAD), "aging_history")


def write_offs(rows):
    return canonical(pd.DataFrame(rows, columns=WRITE_OFFS_HEAD), "write_offs")


# October's receivables, and unapplied cash that is not a receivable either
OCTOBER = open_items([*ITEMS, ["C4", "PMT1", "PMT", "2026-10-30", "2026-10-30", "-20.00", "OPEN", ""]])
# August and September as a user pasted them (per customer and bucket)
PASTED = history(PASTED_ROWS)
WRITE_OFFS = write_offs(WRITE_OFF_ROWS)


def run(oi=OCTOBER, hist=PASTED, wo=WRITE_OFFS, settings=SETTINGS, as_of=OCT31, **kw):
    tables = {"open_items": oi, "aging_history": hist, "write_offs": wo, **kw.pop("tables", {})}
    res, errors = compute_allowance(tables, settings.with_(as_of=as_of), as_of, **kw)
    assert errors == []
    return res


def cents(df, key, col):
    return dict(zip(df[key], df[col]))


def test_hand_worked_roll_rates_to_the_cent():
    """Look-back 2: the transitions Aug -> Sep and Sep -> Oct.
        roll(not_due) = (300 + 360) / (1000 + 1200)         = 660/2200 = 0.3
        roll(1-30)    = (150 + 90) / (400 + 300)            = 240/700
        roll(31-60)   = (120 + 130) / (200 + 150)           = 250/350
        roll(61+)     = (net write-offs Sep 20 + Oct 25) / (100 + 120) = 45/220
        loss(61+) = 9/44, loss(31-60) = 5/7 * 9/44 = 45/308, loss(1-30) = 12/35 * 45/308 = 27/539,
        loss(not_due) = 3/10 * 27/539 = 81/5390
    Collective base = October's receivables without a specific reserve (INV3 disputed, INV6
    bankrupt are reserved): not_due 900, 1-30 260, 31-60 90, 61+ 80.
        not_due  900.00 * 81/5390 = 13.5250…  -> 13.53
        1-30     260.00 * 27/539  = 13.0241…  -> 13.02
        31-60     90.00 * 45/308  = 13.1493…  -> 13.15
        61+       80.00 * 9/44    = 16.3636…  -> 16.36     collective 56.06
    Specific: INV3 100.00 * 50% = 50.00; INV6 50.00 * 100% (bankrupt and disputed: once) = 50.00.
    Closing 156.06; opening 100.00, write-offs 30.00, recoveries 5.00:
    charge = 156.06 - 100.00 + 30.00 - 5.00 = 81.06."""
    res = run(opening=10000)
    p = res.provision.set_index("bucket")
    expected_roll = {"not_due": Fraction(660, 2200), "1-30": Fraction(240, 700), "31-60": Fraction(250, 350),
                     "61+": Fraction(45, 220)}
    expected_loss = {"not_due": Fraction(81, 5390), "1-30": Fraction(27, 539), "31-60": Fraction(45, 308),
                     "61+": Fraction(9, 44)}
    for b in expected_roll:
        assert abs(Fraction(p.at[b, "roll_rate"]) - expected_roll[b]) < Fraction(1, 10**20)
        assert abs(Fraction(p.at[b, "loss_rate"]) - expected_loss[b]) < Fraction(1, 10**20)
    assert cents(res.provision, "bucket", "balance") == {"not_due": 90000, "1-30": 26000, "31-60": 9000, "61+": 8000}
    assert cents(res.provision, "bucket", "provision") == {"not_due": 1353, "1-30": 1302, "31-60": 1315, "61+": 1636}
    assert cents(res.specific, "document_no", "reserve") == {"INV3": 5000, "INV6": 5000}
    assert cents(res.specific, "document_no", "reason") == {"INV3": "DISPUTED", "INV6": "BANKRUPT"}
    assert cents(res.movement, "line", "amount") == {"opening": 10000, "write_offs": 3000, "recoveries": 500,
                                                     "charge": 8106, "closing": 15606}
    j = res.journal
    assert list(j["account"]) == ["6420", "1290"] and list(j["debit"]) == [8106, 0] and list(j["credit"]) == [0, 8106]
    assert list(res.rolls.monthly["period"]) == ["2026-09", "2026-10"]
    assert res.rolls.missing == () and not any("Short history" in n for n in res.notes)


def test_history_gets_this_month_and_keeps_the_pasted_months():
    res = run(opening=0)
    h = res.history
    assert list(dict.fromkeys(h["period"])) == ["2026-10", "2026-09", "2026-08"]
    oct_ = h[h["period"] == "2026-10"]
    assert oct_.groupby("bucket")["amount"].sum().to_dict() == {"not_due": 90000, "1-30": 36000, "31-60": 9000, "61+": 13000}
    assert "CM1" not in set(oct_["customer_id"]) and len(h[h["period"] != "2026-10"]) == len(PASTED)
    # a second run of the same month replaces its own rows, not adds to them
    again = run(hist=h, opening=0)
    assert again.history.equals(h)


def test_no_history_falls_back_to_the_default_rolls_and_says_so():
    res = run(hist=None, wo=None, opening=0)
    defaults = SETTINGS.allowance_default_rolls
    assert list(res.provision["roll_rate"]) == [defaults[0], defaults[1], defaults[2], defaults[-1]]
    assert set(res.provision["roll_source"]) == {"default"}
    assert any("No aging history" in n for n in res.notes)
    # not_due's loss rate is the product of the four defaults: 0.05 * 0.25 * 0.40 * 0.80 = 0.004
    assert res.provision.set_index("bucket").at["not_due", "loss_rate"] == Decimal("0.004")
    assert res.provision.set_index("bucket").at["not_due", "provision"] == 360   # 900.00 * 0.004


def test_short_history_skips_missing_months_and_names_them():
    only_aug = PASTED[PASTED["period"] == "2026-08"]       # September missing: no transition counts
    res = run(hist=only_aug, opening=0)
    assert res.rolls.missing == ("2026-09", "2026-10") and res.rolls.used == 0
    long = run(hist=PASTED, opening=0, settings=SETTINGS.with_(allowance_lookback_months=4))
    assert long.rolls.missing == ("2026-07", "2026-08") and long.rolls.used == 2
    note = next(n for n in long.notes if n.startswith("Short history"))
    assert "2 of the 4" in note and "2026-07…2026-08" in note
    # the rates are those of the two transitions that exist
    assert list(long.provision["provision"]) == list(run(opening=0).provision["provision"])


def test_empty_bucket_takes_its_default_and_a_roll_above_one_is_capped():
    hist = history([
        ["2026-09", "C1", "not_due", "100.00"], ["2026-09", "C3", "61+", "10.00"],
    ])
    # Sep -> Oct: 1-30 grew from not_due 100 to 360 (roll 3.6: capped at 1); 31-60 had nothing in September
    res = run(hist=hist, wo=None, opening=0)
    p = res.provision.set_index("bucket")
    assert p.at["not_due", "roll_rate"] == 1
    assert p.at["1-30", "roll_source"] == "default" and p.at["31-60", "roll_source"] == "default"
    assert p.at["61+", "roll_rate"] == 0          # no write-offs in October
    assert any("capped" in n and "not_due" in n for n in res.notes)
    assert any("default roll rate" in n and "1-30, 31-60" in n for n in res.notes)
    assert res.rolls.monthly.iloc[0]["not_due"] == 1


def test_forward_factor_scales_and_never_provides_more_than_the_balance():
    base = run(opening=0)
    up = run(opening=0, settings=SETTINGS.with_(allowance_forward_factor=Decimal("1.10")))
    p0, p1 = base.provision.set_index("bucket"), up.provision.set_index("bucket")
    # 61+: 80.00 * 9/44 * 1.1 = 18.00
    assert p1.at["61+", "provision"] == 1800 and p0.at["61+", "provision"] == 1636
    huge = run(opening=0, settings=SETTINGS.with_(allowance_forward_factor=Decimal("10")))
    p2 = huge.provision.set_index("bucket")
    assert p2.at["61+", "provision"] == 8000 and any("provided at 100%" in n for n in huge.notes)


@pytest.mark.parametrize("reason,status,pct", [("BANKRUPT", "OPEN", "1"), ("", "DISPUTED", "0.5"),
                                               ("BANKRUPT", "DISPUTED", "1")])
def test_each_item_is_reserved_once(reason, status, pct):
    oi = open_items([["C1", "INV1", "INV", "2026-09-01", "2026-10-01", "333.33", status, reason]])
    res = run(oi=oi, hist=None, wo=None, opening=0)
    assert len(res.specific) == 1 and res.specific["pct"].iloc[0] == Decimal(pct)
    assert res.specific["reserve"].iloc[0] == {"1": 33333, "0.5": 16667}[pct]     # 166.665 -> 166.67
    assert res.provision["balance"].sum() == 0                                    # not in the collective base


def test_a_zero_disputed_rate_leaves_disputed_items_in_the_collective_base():
    oi = open_items([["C1", "INV1", "INV", "2026-09-01", "2026-10-01", "100.00", "DISPUTED", ""]])
    res = run(oi=oi, hist=None, wo=None, opening=0, settings=SETTINGS.with_(allowance_disputed_pct=Decimal(0)))
    assert res.specific.empty and res.provision["balance"].sum() == 10000


@hsettings(max_examples=200, deadline=None)
@given(st.integers(-10**9, 10**9), st.integers(0, 10**9), st.integers(0, 10**9), st.integers(0, 10**9))
def test_movement_identity_and_a_balanced_journal(opening, wo, rec, closing):
    m = dict(zip(*movement(opening, wo, rec, closing, "USD").T.values))
    assert m["closing"] == m["opening"] - m["write_offs"] + m["recoveries"] + m["charge"]
    j = journal(m["charge"], expense_account="6420", allowance_account="1290", period="2026-10", currency="USD")
    assert j["debit"].sum() == j["credit"].sum() == abs(m["charge"])
    if m["charge"]:
        allowance = j[j["account"] == "1290"].iloc[0]
        assert allowance["credit" if m["charge"] > 0 else "debit"] == abs(m["charge"])
    else:
        assert j.empty


def test_opening_from_settings_else_zero_with_a_note():
    res = run(settings=SETTINGS.with_(allowance_opening=12345))
    assert res.totals["opening"] == 12345 and not any("opening" in n.lower() for n in res.notes)
    res = run()
    assert res.totals["opening"] == 0 and any("No opening allowance" in n for n in res.notes)
    assert run(opening=500).totals["opening"] == 500


def test_default_rolls_map_to_fewer_or_more_buckets():
    d = tuple(Decimal(x) for x in ("0.05", "0.25", "0.40", "0.55", "0.70", "0.80"))
    assert [default_roll(d, i, 4) for i in range(4)] == [d[0], d[1], d[2], d[5]]
    assert [default_roll(d, i, 8) for i in range(8)] == [d[0], d[1], d[2], d[3], d[4], d[4], d[4], d[5]]
    assert [default_roll(d, i, 6) for i in range(6)] == list(d)


# ---------------------------------------------------------------- write-off proposals


def proposal_items():
    """Items at the thresholds of each rule (as of 2026-10-31, WriteOffMinDays 365, small 5.00)."""
    return open_items([
        ["A", "AGE365", "INV", "2025-09-01", "2025-10-31", "700.00", "OPEN", ""],     # 365 days: AGE
        ["A", "AGE364", "INV", "2025-09-01", "2025-11-01", "700.00", "OPEN", ""],     # 364 days: no
        ["B", "SMALL90", "INV", "2026-07-01", "2026-08-02", "5.00", "OPEN", ""],      # 90 days, 5.00: SMALL_BALANCE
        ["B", "SMALL89", "INV", "2026-07-01", "2026-08-03", "5.00", "OPEN", ""],      # 89 days: no
        ["B", "SMALL501", "INV", "2026-07-01", "2026-08-02", "5.01", "OPEN", ""],     # 5.01: no
        ["C", "BANK1", "DM", "2026-10-01", "2026-11-30", "80.00", "OPEN", "BANKRUPT"],  # not yet due: BANKRUPT
        ["C", "BANKOLD", "INV", "2024-10-01", "2024-10-31", "80.00", "OPEN", "BANKRUPT"],  # AGE comes first
        ["D", "CM9", "CM", "2024-01-01", "2024-01-01", "-80.00", "OPEN", ""],          # credits are never proposed
        ["E", "PROM", "INV", "2025-01-01", "2025-01-31", "900.00", "PROMISED", ""],    # promised: no
        ["F", "ACT1", "INV", "2025-01-01", "2025-01-31", "900.00", "OPEN", ""],        # promise in activity
        ["G", "ACT2", "INV", "2025-01-01", "2025-01-31", "900.00", "OPEN", ""],        # a customer-wide promise
        ["H", "LAPSED", "INV", "2025-01-01", "2025-01-31", "900.00", "OPEN", ""],      # the promise lapsed
    ])


ACTIVITY = canonical(pd.DataFrame([
    ["F", "2026-10-20", "PROMISE", "ACT1", "900.00", "2026-11-05"],
    ["G", "2026-10-25", "PROMISE", "", "100.00", "2026-10-28"],      # 28 + 3 grace days = the 31st: pending
    ["H", "2026-10-01", "PROMISE", "LAPSED", "900.00", "2026-10-27"],  # 27 + 3 = 30th < 31st: not pending
], columns=["customer_id", "date", "type", "document_no", "amount", "promise_date"]), "activity")


def test_write_off_rules_at_their_thresholds_and_promises():
    res = run(oi=proposal_items(), hist=None, wo=None, opening=0, tables={"activity": ACTIVITY})
    got = cents(res.proposals, "document_no", "rule")
    assert got == {"AGE365": "AGE", "SMALL90": "SMALL_BALANCE", "BANK1": "BANKRUPT", "BANKOLD": "AGE",
                   "LAPSED": "AGE"}
    row = res.proposals.set_index("document_no").loc["AGE365"]
    assert row["days_past_due"] == 365 and row["open_amount"] == 70000
    assert list(res.tables()["writeoff_proposals"].columns) == ["customer_id", "document_no", "open_amount",
                                                                 "days_past_due", "rule"]


def test_approved_write_offs_are_recorded_once_posted_and_no_longer_reserved():
    oi = proposal_items()
    first = run(oi=oi, hist=None, wo=None, opening=0)
    approvals = first.proposals[["document_no"]].assign(approve="", approver="", approved_on="")
    approvals.loc[approvals["document_no"] == "AGE365", ["approve", "approver", "approved_on"]] = ["TRUE", "Kim", "2026-10-30"]
    approvals.loc[approvals["document_no"] == "BANK1", "approve"] = "no"
    second = run(oi=oi, hist=None, wo=None, opening=0, approvals=approvals)
    assert list(second.written_off["document_no"]) == ["AGE365"]
    w = second.written_off.iloc[0]
    assert (w["period"], w["amount"], w["reason_code"], w["approver"], w["approved_on"]) == \
        ("2026-10", 70000, "AGE", "Kim", "2026-10-30")
    post = second.tables()["writeoff_postings"]
    assert list(post["document_no"]) == ["AGE365"]
    assert (post["debit_account"].iloc[0], post["credit_account"].iloc[0]) == ("1290", "1200")
    assert "AGE365" not in set(second.proposals["document_no"])
    assert list(second.booked["document_no"]) == ["AGE365"] and second.booked["written_off"].iloc[0] == "2026-10"
    # the write-off counts in the period's movement, and the item leaves the provision base
    assert second.totals["write_offs"] == 70000
    assert second.provision["balance"].sum() == first.provision["balance"].sum() - 70000
    # a re-run with the same approvals and the recorded write-offs records nothing twice
    third = run(oi=oi, hist=None, wo=None, opening=0, approvals=approvals, written_off=second.written_off)
    assert third.written_off.equals(second.written_off) and third.totals["write_offs"] == 70000
    # ... and once the ledger has posted it (gone from the open items) the record stays
    posted = oi[oi["document_no"] != "AGE365"]
    fourth = run(oi=posted, hist=None, wo=None, opening=0, approvals=approvals, written_off=second.written_off)
    assert list(fourth.written_off["document_no"]) == ["AGE365"] and fourth.totals["write_offs"] == 70000
    assert fourth.booked.empty


def test_next_month_history_includes_the_approved_write_offs():
    """October approves AGE365 (700.00, 121+).  In November, the Sep -> Oct transition's
    last-bucket roll counts it as written off in October: (700.00) / Sep's 121+ 1,000.00."""
    oi = proposal_items()
    sept = history([["2026-09", "A", "121+", "1000.00"]])
    approvals = pd.DataFrame({"document_no": ["AGE365"], "approve": [True]})
    octo = run(oi=oi, hist=sept, wo=None, opening=0, approvals=approvals, settings=Settings(as_of=OCT31))
    assert list(octo.written_off["document_no"]) == ["AGE365"]
    nov = dt.date(2026, 11, 30)
    novo = run(oi=oi[oi["document_no"] != "AGE365"], hist=octo.history, wo=None, as_of=nov,
               written_off=octo.written_off, settings=Settings(as_of=nov), opening=octo.closing)
    assert list(novo.rolls.monthly["period"]) == ["2026-10", "2026-11"]
    monthly = novo.rolls.monthly.set_index("period")
    assert monthly.at["2026-10", "net_write_offs"] == 70000 and monthly.at["2026-11", "net_write_offs"] == 0
    assert monthly.at["2026-10", "121+"] == Decimal("0.7")
    assert novo.totals["opening"] == octo.closing and novo.totals["write_offs"] == 0
    # the user's own Write-offs table naming the same document wins: counted once
    wo = write_offs([["2026-10", "A", "AGE365", "700.00"]])
    both = run(oi=oi, hist=octo.history, wo=wo, as_of=nov, written_off=octo.written_off, settings=Settings(as_of=nov))
    assert both.rolls.monthly.set_index("period").at["2026-10", "net_write_offs"] == 70000


def test_time_travel_the_window_moves_with_the_as_of_date():
    """The same history read at three month-ends: each uses only the transitions ending at its own period."""
    hist = history([[f"2026-{m:02d}", "C1", "not_due", f"{100 * m}.00"] for m in range(1, 10)]
                   + [[f"2026-{m:02d}", "C1", "1-30", f"{10 * m}.00"] for m in range(1, 10)])
    for month, end in ((5, dt.date(2026, 5, 31)), (7, dt.date(2026, 7, 31)), (9, dt.date(2026, 9, 30))):
        res = run(hist=hist, wo=None, as_of=end, opening=0,
                  settings=SETTINGS.with_(allowance_lookback_months=3))
        assert list(res.rolls.monthly["period"]) == [f"2026-{m:02d}" for m in range(month - 2, month + 1)]
        # the as-of period's own rows come from today's open items, never from the pasted ones
        assert set(res.history[res.history["period"] == f"2026-{month:02d}"]["customer_id"]) == {"C1", "C2", "C3", "C4"}


BUCKETS4 = ("not_due", "1-30", "31-60", "61+")


@hsettings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.sampled_from(BUCKETS4), st.integers(0, 10**9)), max_size=40),
       st.lists(st.tuples(st.integers(1, 12), st.integers(-10**7, 10**9)), max_size=8),
       st.integers(1, 14), st.decimals(min_value=0, max_value=3, places=2))
def test_rates_stay_ordered_and_provisions_within_balances(rows, wos, lookback, factor):
    """Whatever the history: every roll between 0 and 1, loss rates grow toward the last bucket,
    no bucket provided above its balance, closing = collective + specific."""
    hist = history([[f"2025-{m + 1:02d}" if m < 12 else "2026-01", "C1", b, f"{a / 100:.2f}"] for m, b, a in rows]
                   or [["2025-01", "C1", "not_due", "0.00"]])
    wo = write_offs([[f"2025-{m:02d}", "C9", "X", f"{a / 100:.2f}"] for m, a in wos]) if wos else None
    s = SETTINGS.with_(allowance_lookback_months=lookback, allowance_forward_factor=factor)
    res = run(hist=hist, wo=wo, settings=s, as_of=dt.date(2025, 12, 31), opening=0)
    p = res.provision
    assert all(0 <= r <= 1 for r in p["roll_rate"])
    assert list(p["loss_rate"]) == sorted(p["loss_rate"])
    assert (p["provision"] <= p["balance"]).all() and (p["provision"] >= 0).all()
    t = res.totals
    assert t["closing"] == int(p["provision"].sum()) + int(res.specific["reserve"].sum())
    m = dict(zip(res.movement["line"], res.movement["amount"]))
    assert m["closing"] == m["opening"] - m["write_offs"] + m["recoveries"] + m["charge"]
