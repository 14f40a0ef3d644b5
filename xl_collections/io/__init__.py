"""Inputs and outputs: files -> canonical tables (readers, validation), tables -> files (write).

Public reader API: :func:`read_table` / :func:`load_table` (a file -> a canonical table),
:func:`table_from_grid` (raw cells -> a canonical table), :func:`read_column_map`,
:func:`find_header_row`; and from :mod:`.validate`: :func:`validate`, :func:`canonical`,
:func:`empty`.
"""
from .readers import find_header_row, load_column_map, load_table, read_column_map, read_table, table_from_grid
from .validate import canonical, empty, validate

__all__ = ["read_table", "load_table", "table_from_grid", "read_column_map", "load_column_map",
           "find_header_row", "validate", "canonical", "empty"]
