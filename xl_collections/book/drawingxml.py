"""The drawing part of a sheet (``xl/drawings/drawingN.xml``): where each chart sits.

One ``twoCellAnchor`` per chart, from its top-left cell to the cell its width and height
reach, pointing at the chart part through the drawing's relationships
(``xl/drawings/_rels/drawingN.xml.rels``).  The anchors the program writes are named
``xl_collections chart <id>`` (:data:`CHART_NAME_PREFIX`): a later write removes exactly
those and keeps every other anchor of the drawing — a user's chart, picture, shape or
button on the same sheet.  Content type and the sheet's relationship are the package
writer's (:mod:`.headless`).
"""
from __future__ import annotations

from xml.sax.saxutils import quoteattr

NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CHART_NAME_PREFIX = "xl_collections chart"   # marks chart anchors we own inside a drawing


def anchor_xml(chart, rid: str, shape_id: int) -> str:
    """The anchor of one chart (a :class:`~.sheetxml.ChartPart`: ``anchor`` = from col,row
    to col,row, 0-based), its graphic frame pointing at relationship ``rid``."""
    c0, r0, c1, r1 = chart.anchor
    return (f'<xdr:twoCellAnchor xmlns:xdr="{NS_XDR}" xmlns:a="{NS_A}">'
            f'<xdr:from><xdr:col>{c0}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r0}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
            f'<xdr:to><xdr:col>{c1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{shape_id}" '
            f'name={quoteattr(f"{CHART_NAME_PREFIX} {shape_id}")}/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
            f'<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
            f'<a:graphicData uri="{NS_C}"><c:chart xmlns:c="{NS_C}" xmlns:r="{NS_R}" r:id="{rid}"/>'
            f'</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>')


def drawing_xml(anchors: list[str]) -> bytes:
    """A new drawing part holding ``anchors``."""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="{NS_XDR}" '
            f'xmlns:a="{NS_A}">' + "".join(anchors) + "</xdr:wsDr>").encode()
