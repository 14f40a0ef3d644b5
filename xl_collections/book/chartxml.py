"""A chart part (``xl/charts/chartN.xml``): one native Excel chart of a block's columns.

Bar (horizontal), column (vertical, stacked or clustered) and line charts.  Every series
points at the cells it plots (``c:f`` references such as ``'Dashboard'!$B$71:$B$83``) and
carries a cache of their values, so Excel and LibreOffice draw the chart without
recalculating.  Text from data (categories, series names, the title) is escaped as cell
text is.  The chart has no relationships of its own; its content type and the drawing's
relationship to it are the package writer's (:mod:`.headless`).
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .drawingxml import NS_A, NS_C, NS_R
from .sheetxml import text_xml


DATE_AXIS_FORMAT = "d mmm"      # a date category axis: 1 Oct


def _num(v: float) -> str:
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def chart_xml(ch) -> bytes:
    """The chart part of ``ch`` (a :class:`~.sheetxml.ChartPart`: the spec, the category and
    series references and their values).  One series: no legend (the title names it)."""
    spec = ch.spec
    kind = spec.kind
    ncat = len(ch.categories)
    # category and series names come from the data: escaped like cell text (control characters
    # as _xHHHH_), never raw, or the chart part is not XML
    cat_cache = "".join(f'<c:pt idx="{i}"><c:v>{text_xml(str(v))}</c:v></c:pt>' for i, v in enumerate(ch.categories))
    if ch.date_serials is not None:     # dates: numbers with a date format, so the axis shows dates
        pts = "".join(f'<c:pt idx="{i}"><c:v>{_num(float(v))}</c:v></c:pt>' for i, v in enumerate(ch.date_serials)
                      if v is not None)
        cat = (f'<c:cat><c:numRef><c:f>{escape(ch.cat_ref)}</c:f><c:numCache><c:formatCode>{DATE_AXIS_FORMAT}'
               f'</c:formatCode><c:ptCount val="{ncat}"/>{pts}</c:numCache></c:numRef></c:cat>')
    else:
        cat = (f'<c:cat><c:strRef><c:f>{escape(ch.cat_ref)}</c:f><c:strCache><c:ptCount val="{ncat}"/>{cat_cache}'
               f'</c:strCache></c:strRef></c:cat>')
    cat_format = (f'<c:numFmt formatCode="{DATE_AXIS_FORMAT}" sourceLinked="0"/>' if ch.date_serials is not None
                  else '<c:numFmt formatCode="General" sourceLinked="1"/>')
    sers = ""
    for i, (name, name_ref, vref, vals) in enumerate(ch.series):
        pts = "".join(f'<c:pt idx="{k}"><c:v>{_num(float(v))}</c:v></c:pt>' for k, v in enumerate(vals)
                      if v is not None and not (isinstance(v, float) and v != v))
        color = spec.colors[i] if i < len(spec.colors) else None
        sp = ""
        if color:
            fill = f'<a:solidFill><a:srgbClr val="{color}"/></a:solidFill>'
            sp = (f'<c:spPr><a:ln w="28575"><a:solidFill><a:srgbClr val="{color}"/></a:solidFill></a:ln></c:spPr>'
                  if kind == "line" else f'<c:spPr>{fill}</c:spPr>')
        sers += (f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/><c:tx><c:strRef><c:f>{escape(name_ref)}</c:f>'
                 f'<c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>{text_xml(str(name))}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
                 + sp + ("" if kind == "line" else "<c:invertIfNegative val=\"0\"/>")
                 + cat + f'<c:val><c:numRef><c:f>{escape(vref)}</c:f><c:numCache>'
                 f'<c:formatCode>General</c:formatCode><c:ptCount val="{len(vals)}"/>{pts}</c:numCache></c:numRef></c:val>'
                 + ('<c:smooth val="0"/>' if kind == "line" else "") + "</c:ser>")
    axes = '<c:axId val="50010001"/><c:axId val="50010002"/>'
    if kind == "line":
        plot = f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{sers}<c:marker val="1"/>{axes}</c:lineChart>'
    else:
        grouping = "stacked" if spec.stacked else "clustered"
        overlap = '<c:overlap val="100"/>' if spec.stacked else ""
        plot = (f'<c:barChart><c:barDir val="{"bar" if kind == "bar" else "col"}"/><c:grouping val="{grouping}"/>'
                f'<c:varyColors val="0"/>{sers}<c:gapWidth val="150"/>{overlap}{axes}</c:barChart>')
    cat_pos, val_pos = ("l", "b") if kind == "bar" else ("b", "l")
    # horizontal bars: the block's first row at the top, the value axis still at the bottom
    cat_orient, val_crosses = ("maxMin", "max") if kind == "bar" else ("minMax", "autoZero")
    cat_labels = "nextTo" if kind == "line" else "low"     # bars below zero never hide the labels
    title = (f'<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{text_xml(spec.title)}</a:t></a:r></a:p></c:rich></c:tx>'
             f'<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>' if spec.title else '<c:autoTitleDeleted val="1"/>')
    legend = ('<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>' if len(ch.series) > 1 else "")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<c:chartSpace xmlns:c="{NS_C}" '
            f'xmlns:a="{NS_A}" xmlns:r="{NS_R}"><c:roundedCorners val="0"/><c:chart>{title}<c:plotArea><c:layout/>{plot}'
            f'<c:catAx><c:axId val="50010001"/><c:scaling><c:orientation val="{cat_orient}"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{cat_pos}"/>{cat_format}<c:tickLblPos val="{cat_labels}"/>'
            f'<c:crossAx val="50010002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
            f'<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
            f'<c:valAx><c:axId val="50010002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{val_pos}"/><c:majorGridlines/><c:numFmt formatCode={quoteattr(spec.value_format)} sourceLinked="0"/>'
            f'<c:tickLblPos val="nextTo"/><c:crossAx val="50010001"/><c:crosses val="{val_crosses}"/>'
            f'<c:crossBetween val="between"/></c:valAx></c:plotArea>{legend}'
            f'<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
            f'</c:chartSpace>').encode()
