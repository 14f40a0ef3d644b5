"""Buttons of ar_close.xlsm: xlwings runs ``import ar_close; ar_close.main()``, which hands
over to the collections close (written by `xl-collections new-book`; keep it beside the workbook)."""
from xl_collections.macros import main  # noqa: F401  (the workbook's buttons call main)

if __name__ == "__main__":
    import xlwings as xw

    xw.Book("ar_close.xlsm").set_mock_caller()
    main()
