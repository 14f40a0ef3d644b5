"""Benchmark: reading an input sheet with one stray value far below a three-row table.

    python benchmarks/stray_cell.py

A value in ``A1048576`` (or ``A1000000``) makes the sheet's used range a million rows deep.
The reader must report it as one problem (the cell and the blank rows above it) without
typing a million empty rows cell by cell; it took ~17 s (35 s in the hostile suite under
load) before long runs of empty rows were kept only by their ends and the garbage collector
was paused while the rows stream in.  Printed beside it, the reference: python-calamine
alone handing over the same rows (the floor for any reader of this sheet).
"""
from __future__ import annotations

import tempfile
import time
from itertools import islice
from pathlib import Path

import openpyxl
import python_calamine as pc

from xl_collections.io import load_table


def book(path: Path, ref: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Open Items"
    ws.append(["customer_id", "document_no", "document_date", "due_date", "open_amount", "currency"])
    for i in range(3):
        ws.append([f"C{i}", f"INV-{i}", "2026-09-01", "2026-10-01", 100.0, "USD"])
    ws[ref] = "x"
    wb.save(path)
    return path


def calamine_rows(path: Path) -> int:
    sheet = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Open Items")
    it, n = sheet.iter_rows(), 0
    while chunk := list(islice(it, 1 << 16)):
        n += len(chunk)
    return n


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        print(f"{'stray cell':<12}{'load_table':>12}{'calamine rows':>16}  problems")
        for ref in ("A1048576", "A1000000", "C5000"):
            path = book(Path(d) / f"{ref}.xlsx", ref)
            t = time.perf_counter()
            _, errors = load_table(path, "open_items")
            ours = time.perf_counter() - t
            t = time.perf_counter()
            calamine_rows(path)
            ref_s = time.perf_counter() - t
            print(f"{ref:<12}{ours:>10.2f} s{ref_s:>14.2f} s  {len(errors)}")


if __name__ == "__main__":
    main()
