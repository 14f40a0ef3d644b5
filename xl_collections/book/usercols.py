"""User columns beside a program table, kept across runs by a row key (CONTRACT §6 "Notes
beside program tables").

A :class:`~xl_collections.book.TableBlock` with a ``key`` (a column, or a tuple of columns,
that names each row: ``"customer_id"``, ``("payment_id", "document_no")``) keeps the user's
columns.  Before the sheet is written again, the writer (headless and live alike) calls
:func:`keep_user_columns` with the sheet as it stands:

- the block's previous header row is found (the row holding its first column's header at its
  column and every key column; of several, the one sharing most headers with the new table);
- every header cell of that row from the block's first column rightwards, up to the first
  blank header cell, that is not a program column (a column of the new table or one named in
  ``TableBlock.program_columns``) is a **user column** — whether Excel grew the table over it
  or it sits right of the table;
- its cells travel with their row's key: the new table gets the user columns at its right end
  (inside the table), each row with the values the user had typed on the row of the same key;
- rows whose key is gone from the results but that hold something in a user column are
  never dropped: they are listed below the sheet's blocks in a block titled
  :data:`GONE_TITLE` (key and user columns), and come back to their row if the key returns.

Values are carried as they were read (text, numbers, dates, booleans); text is written as text.
:func:`keep_user_columns` also returns the previous grid's cells it carried, ``{(excel_row,
col0)}``, so a caller that keeps other notes outside the tables does not keep them twice.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from .outputs import SheetOutput, TableBlock

GONE_TITLE = "Your notes on rows no longer listed (kept until their row returns)"


def key_columns(block: TableBlock) -> tuple[str, ...]:
    """The block's key as a tuple of column names (``()``: no user columns kept)."""
    k = block.key
    if not k:
        return ()
    return (k,) if isinstance(k, str) else tuple(k)


def key_text(v) -> str:
    """A key cell as text: ``123.0`` read back from a cell is ``"123"``; blank is ``""``."""
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _header(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _find_header(grid: pd.DataFrame, block: TableBlock, keys: tuple[str, ...], below: int = 0):
    """(grid row label, first column) of the block's previous header row, or None."""
    c0 = block.start_col - 1
    first = str(block.df.columns[0]) if len(block.df.columns) else keys[0]
    if c0 >= grid.shape[1]:
        return None
    best, best_score = None, -1
    wanted = {str(c) for c in block.df.columns}
    for r in grid.index[grid.iloc[:, c0].map(_header) == first]:
        if r <= below:
            continue
        row = [_header(v) for v in grid.loc[r].iloc[c0:]]
        headers = row[:row.index("")] if "" in row else row
        if not set(keys) <= set(headers):
            continue
        score = len(wanted & set(headers))
        if score > best_score:
            best, best_score = r, score
    return best


def _rows(grid: pd.DataFrame, header_row, c0: int, width: int) -> list:
    """Grid row labels of the body under ``header_row``: down to the first blank row (in the span)."""
    out = []
    for r in grid.index[grid.index > header_row]:
        if all(_header(v) == "" for v in grid.loc[r].iloc[c0:c0 + width]):
            break
        out.append(r)
    return out


def _previous(grid: pd.DataFrame, block: TableBlock, keys: tuple[str, ...], header_row):
    """From the block's previous header row: (user column names, {key: {column: value}}, cells)."""
    c0 = block.start_col - 1
    row = [_header(v) for v in grid.loc[header_row].iloc[c0:]]
    headers = row[:row.index("")] if "" in row else row
    program = {str(c) for c in block.df.columns} | set(block.program_columns)
    pos = {h: c0 + j for j, h in enumerate(headers)}
    user = [h for h in headers if h not in program]
    values: dict[tuple, dict] = {}
    cells: set[tuple[int, int]] = set()
    if not user or not set(keys) <= set(pos):
        return user, values, cells
    for r in _rows(grid, header_row, c0, len(headers)):
        key = tuple(key_text(grid.at[r, pos[k]]) for k in keys)
        got = {u: grid.at[r, pos[u]] for u in user if _header(grid.at[r, pos[u]]) != ""}
        cells.update((int(r), pos[u]) for u in user)
        if got and any(key):
            values.setdefault(key, {}).update(got)
    cells.update((int(header_row), pos[u]) for u in user)
    return user, values, cells


def keep_user_columns(output: SheetOutput, grid: pd.DataFrame | None) -> tuple[SheetOutput, set[tuple[int, int]]]:
    """``output`` with every keyed block's user columns carried over from ``grid`` (the sheet
    as :meth:`Workbook.read_sheet` returns it; None: no sheet yet), and the grid cells
    ``{(excel_row, col0)}`` carried (header and body of the user columns, gone rows' too)."""
    if grid is None or grid.empty or not any(key_columns(b) for b in output.blocks):
        return output, set()
    blocks, gone_blocks, carried = [], [], set()
    for b in output.blocks:
        keys = key_columns(b)
        header_row = _find_header(grid, b, keys) if keys else None
        if header_row is None:
            blocks.append(b)
            continue
        user, values, cells = _previous(grid, b, keys, header_row)
        gone_row = _find_gone(grid, b, keys)
        if gone_row is not None:
            g_user, g_values, g_cells = _previous(grid, b, keys, gone_row)
            for k, v in g_values.items():
                values.setdefault(k, v)
            user += [u for u in g_user if u not in user]
            cells |= g_cells | {(int(gone_row), b.start_col - 1 + j) for j in range(len(keys))}
        carried |= cells
        if not user:
            blocks.append(b)
            continue
        df = b.df.copy()
        df_keys = list(zip(*[[key_text(v) for v in df[k]] for k in keys])) if len(df) else []
        for u in user:
            df[u] = pd.Series([values.get(k, {}).get(u) for k in df_keys], index=df.index, dtype=object)
        df.attrs = {**b.df.attrs, "user_columns": (*b.df.attrs.get("user_columns", ()), *user)}
        blocks.append(replace(b, df=df, wrap_columns=tuple(dict.fromkeys((*b.wrap_columns, *user)))))
        left = [k for k in values if k not in set(df_keys)]
        if left:
            rows = [{**dict(zip(keys, k)), **{u: values[k].get(u) for u in user}} for k in left]
            gone = pd.DataFrame(rows, columns=[*keys, *user], dtype=object)
            gone_blocks.append(TableBlock(gone, title=GONE_TITLE, start_col=b.start_col, wrap_columns=tuple(user)))
    return replace(output, blocks=tuple(blocks + gone_blocks)), carried


def _find_gone(grid: pd.DataFrame, block: TableBlock, keys: tuple[str, ...]):
    """The header row of the block's earlier "no longer in the results" list (below its title)."""
    c0 = block.start_col - 1
    if c0 >= grid.shape[1]:
        return None
    titles = grid.index[grid.iloc[:, c0].map(_header) == GONE_TITLE]
    for t in titles:
        nxt = t + 1
        if nxt in grid.index and [_header(v) for v in grid.loc[nxt].iloc[c0:c0 + len(keys)]] == list(keys):
            return nxt
    return None
