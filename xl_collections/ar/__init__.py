"""Accounts receivable figures: the aging (``aging.age``), its month-end history, and the
KPIs (DSO, countback DSO, CEI, average days delinquent), with the close steps that write them."""
