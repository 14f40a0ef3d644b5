"""`UDF Modules = udfs` on the xlwings.conf sheet: importing the package must expose every worksheet function."""
import importlib


def test_udf_package_exposes_every_function():
    udfs = importlib.import_module("udfs")
    names = {"XLC_AGING", "XLC_BUCKET", "XLC_CEI", "XLC_DAYS_PAST_DUE", "XLC_DSO", "XLC_DUE_DATE",
             "XLC_MATCH", "XLC_MATCH_SCORE"}
    assert names <= set(dir(udfs))
    assert udfs.XLC_BUCKET("2026-10-01", "2026-10-31") == "1-30"
    assert udfs.XLC_MATCH("payment for inv 12345", [["INV0012345"], ["INV0012346"]]) == "INV0012345"
