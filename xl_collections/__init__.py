"""xl_collections: the credit & collections workbench for Excel.

Layers (see ARCHITECTURE): ``io`` reads and validates inputs into canonical tables;
engine modules (``aging``, ``kpi``, ``cashapp``, ``recon``, ``commentary`` …) are pure
functions over pandas DataFrames; ``book`` is the collections workbook (live Excel or
headless); ``macros`` holds one function per workbook button; ``cli`` is the command line.
"""
__version__ = "0.1.0"
