"""Cell formats for owned sheets, appended to the workbook's own ``styles.xml``.

Existing entries are never changed or reordered, so every cell of every other sheet keeps
its style index; new number formats, one bold font and new cell formats (``xf``) are
appended as text just before the closing tags, and identical formats are reused.  A cell
format is (number format, bold, alignment) with alignment ``None``, ``"top"`` (vertical
top) or ``"wrap"`` (wrapped text, vertical top).
"""
from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from lxml import etree

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# built-in number formats we may reference by id
BUILTIN = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10,
           "@": 49}


def accounting(decimals: int) -> str:
    frac = "." + "0" * decimals if decimals else ""
    return f'_(* #,##0{frac}_);_(* (#,##0{frac});_(* "-"??_);_(@_)'


DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"


class StyleBook:
    """Resolve (number format, bold) to a cell-format index in the workbook's styles.xml."""

    def __init__(self, xml: bytes):
        self.original = xml
        root = etree.fromstring(xml)
        self._prefix = root.prefix
        q = lambda tag: f"{{{NS}}}{tag}"  # noqa: E731
        self.numfmts = {e.get("formatCode"): int(e.get("numFmtId")) for e in root.iter(q("numFmt"))}
        self._next_numfmt = max([163, *self.numfmts.values()]) + 1
        fonts = root.find(q("fonts"))
        xfs = root.find(q("cellXfs"))
        self.n_fonts = len(fonts) if fonts is not None else 0
        self.n_xfs = len(xfs) if xfs is not None else 0
        if self.n_fonts == 0 or self.n_xfs == 0:
            raise ValueError("styles.xml has no fonts or cellXfs")
        self._base_font = etree.tostring(fonts[0]).decode()
        self.bold_font = None
        self.link_font = None
        for i, f in enumerate(fonts):
            if f.find(q("b")) is not None and _strip_b(etree.tostring(f).decode()) == _strip_b(self._base_font):
                self.bold_font = i
                break
        self.xfs: dict[tuple, int] = {}
        for i, x in enumerate(xfs):
            if x.get("fillId", "0") == "0" and x.get("borderId", "0") == "0" and x.get("xfId", "0") == "0":
                align = _alignment(x)
                if align != "other":
                    self.xfs.setdefault((int(x.get("numFmtId", "0")), int(x.get("fontId", "0")), align), i)
        dxfs = root.find(q("dxfs"))
        self.n_dxfs = len(dxfs) if dxfs is not None else 0
        self.dxfs: dict[tuple, int] = {}
        for i, d in enumerate(dxfs if dxfs is not None else ()):
            font, fill = d.find(f"{q('font')}/{q('color')}"), d.find(f"{q('fill')}/{q('patternFill')}/{q('bgColor')}")
            if len(d) == 2 and font is not None and fill is not None and len(d.find(q("font"))) == 1:
                key = (str(fill.get("rgb", ""))[2:].upper(), str(font.get("rgb", ""))[2:].upper())
                self.dxfs.setdefault(key, i)
        self.new_dxfs: list[tuple[str, str]] = []
        self.new_numfmts: list[tuple[int, str]] = []
        self.new_fonts: list[str] = []
        self.new_xfs: list[tuple[int, int, str | None]] = []

    def xf(self, num_format: str | None = None, bold: bool = False, align: str | None = None,
           link: bool = False) -> int:
        """Index of the cell format; ``align`` is None, ``"top"`` or ``"wrap"`` (wrap + top);
        ``link``: the blue underlined font of a hyperlink (bold wins)."""
        if align not in (None, "top", "wrap"):
            raise ValueError(f"unknown alignment {align!r}")
        if num_format is None and not bold and align is None and not link:
            return 0
        nid = self._numfmt(num_format or "General")
        fid = self._bold() if bold else self._link() if link else 0
        key = (nid, fid, align)
        if key not in self.xfs:
            self.xfs[key] = self.n_xfs + len(self.new_xfs)
            self.new_xfs.append(key)
        return self.xfs[key]

    def dxf(self, fill: str, font: str) -> int:
        """Index of a differential format (for conditional formats): solid ``fill`` and ``font``
        colour, both RRGGBB.  Appended to ``<dxfs>``; identical ones reused within a save."""
        key = (fill.upper(), font.upper())
        if key not in self.dxfs:
            self.dxfs[key] = self.n_dxfs + len(self.new_dxfs)
            self.new_dxfs.append(key)
        return self.dxfs[key]

    def _numfmt(self, code: str) -> int:
        if code in BUILTIN:
            return BUILTIN[code]
        if code not in self.numfmts:
            self.numfmts[code] = self._next_numfmt
            self.new_numfmts.append((self._next_numfmt, code))
            self._next_numfmt += 1
        return self.numfmts[code]

    def _bold(self) -> int:
        if self.bold_font is None:
            m = re.match(r"<((?:\w+:)?font)\b[^>]*?(/?)>", self._base_font)
            tag = m.group(1)
            body = re.sub(r"\s+xmlns(:\w+)?=\"[^\"]*\"", "", self._base_font)
            if m.group(2):   # <font/>
                font = f"<{tag}><b/></{tag}>"
            else:
                font = re.sub(r"^<[^>]*>", f"<{tag}><b/>", body, count=1)
            self.new_fonts.append(font)
            self.bold_font = self.n_fonts + len(self.new_fonts) - 1
        return self.bold_font

    def _link(self) -> int:
        """The base font, blue (Excel's hyperlink colour) and underlined."""
        if self.link_font is None:
            m = re.match(r"<((?:\w+:)?font)\b[^>]*?(/?)>", self._base_font)
            tag = m.group(1)
            body = re.sub(r"\s+xmlns(:\w+)?=\"[^\"]*\"", "", self._base_font)
            body = re.sub(r"<(?:\w+:)?color\b[^>]*/>", "", body)
            inner = "" if m.group(2) else re.sub(r"^<[^>]*>|</[^>]*>$", "", body)
            # CT_Font's order: u before sz, color after sz
            sz = re.search(r"<(?:\w+:)?sz\b[^>]*/>", inner)
            ns = tag[:-len("font")]          # the styles part's prefix, if it uses one
            color = f'<{ns}color rgb="FF0563C1"/>'
            inner = inner[:sz.end()] + color + inner[sz.end():] if sz else color + inner
            self.new_fonts.append(f"<{tag}><{ns}u/>{inner}</{tag}>")
            self.link_font = self.n_fonts + len(self.new_fonts) - 1
        return self.link_font

    @property
    def changed(self) -> bool:
        return bool(self.new_numfmts or self.new_fonts or self.new_xfs or self.new_dxfs)

    def to_bytes(self) -> bytes:
        """styles.xml with the new entries appended (the original bytes when nothing is new)."""
        if not self.changed:
            return self.original
        text = self.original.decode("utf-8")
        p = f"{self._prefix}:" if self._prefix else ""
        if self.new_numfmts:
            items = "".join(f'<{p}numFmt numFmtId="{i}" formatCode={quoteattr(c)}/>' for i, c in self.new_numfmts)
            text = _append(text, p, "numFmts", items, len(self.new_numfmts), create_after="styleSheet")
        if self.new_fonts:
            text = _append(text, p, "fonts", "".join(self.new_fonts), len(self.new_fonts))
        if self.new_xfs:
            anf, af = ' applyNumberFormat="1"', ' applyFont="1"'
            items = "".join(f'<{p}xf numFmtId="{n}" fontId="{f}" fillId="0" borderId="0" xfId="0"'
                            f'{anf if n else ""}{af if f else ""}' + (_ALIGN[a].format(p=p) if a else "/>")
                            for n, f, a in self.new_xfs)
            text = _append(text, p, "cellXfs", items, len(self.new_xfs))
        if self.new_dxfs:
            items = "".join(f'<{p}dxf><{p}font><{p}color rgb="FF{font}"/></{p}font><{p}fill><{p}patternFill>'
                            f'<{p}bgColor rgb="FF{fill}"/></{p}patternFill></{p}fill></{p}dxf>'
                            for fill, font in self.new_dxfs)
            if re.search(rf"<{re.escape(p)}dxfs\b", text):
                text = _append(text, p, "dxfs", items, len(self.new_dxfs))
            else:     # no <dxfs> yet: it goes after cellStyles, before tableStyles / colors / extLst
                m = re.search(rf"<{re.escape(p)}(tableStyles|colors|extLst)\b|</{re.escape(p)}styleSheet>", text)
                text = text[:m.start()] + f'<{p}dxfs count="{len(self.new_dxfs)}">{items}</{p}dxfs>' + text[m.start():]
        return text.encode("utf-8")


_ALIGN = {"top": ' applyAlignment="1"><{p}alignment vertical="top"/></{p}xf>',
          "wrap": ' applyAlignment="1"><{p}alignment vertical="top" wrapText="1"/></{p}xf>'}


def _alignment(xf) -> str | None:
    """None (no children), "top", "wrap" for the alignments we write, else "other"."""
    if not len(xf):
        return None
    if len(xf) != 1 or etree.QName(xf[0]).localname != "alignment":
        return "other"
    a = dict(xf[0].attrib)
    if a == {"vertical": "top"}:
        return "top"
    if a == {"vertical": "top", "wrapText": "1"}:
        return "wrap"
    return "other"


def _strip_b(font_xml: str) -> str:
    s = re.sub(r"<(\w+:)?b\s*/>", "", font_xml)
    return re.sub(r"\s+xmlns(:\w+)?=\"[^\"]*\"", "", s)


def _append(text: str, p: str, tag: str, items: str, n: int, create_after: str | None = None) -> str:
    """Insert ``items`` before ``</tag>`` and raise its count attribute by ``n``."""
    open_re = re.compile(rf"<{re.escape(p)}{tag}\b([^>]*?)(/?)>")
    m = open_re.search(text)
    if m is None:
        if create_after is None:
            raise ValueError(f"styles.xml has no <{tag}>")
        root = re.search(rf"<{re.escape(p)}{create_after}\b[^>]*>", text)
        return text[:root.end()] + f'<{p}{tag} count="{n}">{items}</{p}{tag}>' + text[root.end():]
    attrs = m.group(1)
    cm = re.search(r'count="(\d+)"', attrs)
    if cm:
        attrs = attrs[:cm.start()] + f'count="{int(cm.group(1)) + n}"' + attrs[cm.end():]
    if m.group(2):   # <tag/>: empty element
        return text[:m.start()] + f"<{p}{tag}{attrs}>{items}</{p}{tag}>" + text[m.end():]
    close = text.index(f"</{p}{tag}>", m.end())
    return text[:m.start()] + f"<{p}{tag}{attrs}>" + text[m.end():close] + items + text[close:]
