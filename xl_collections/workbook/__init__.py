"""The collections workbook as the program ships it: the template (sheets, settings, buttons)
and its VBA project and ribbon (``vba``). The generic file layer is ``xl_collections.book``;
Excel's entry points are ``xl_collections.macros``."""
