"""xl_collections worksheet functions (xlwings UDFs).

The workbook's ``xlwings.conf`` sheet names this package under ``UDF Modules`` (``udfs``);
xlwings imports it and registers every ``@xw.func`` it finds here: the aging functions
(``XLC_DAYS_PAST_DUE``, ``XLC_BUCKET``, ``XLC_DUE_DATE``, ``XLC_AGING``, ``XLC_DSO``,
``XLC_CEI``), the matching functions (``XLC_MATCH``, ``XLC_MATCH_SCORE``) and the credit
functions (``XLC_ALTMAN_Z``, ``XLC_CREDIT_CLASS``, ``XLC_EXPOSURE``, ``XLC_ORDER_DECISION``).  Each is a thin
wrapper over the engine, so a cell and the command line give the same answer.
"""
from .aging import XLC_AGING, XLC_BUCKET, XLC_CEI, XLC_DAYS_PAST_DUE, XLC_DSO, XLC_DUE_DATE
from .credit import XLC_ALTMAN_Z, XLC_CREDIT_CLASS, XLC_EXPOSURE, XLC_ORDER_DECISION
from .matching import XLC_MATCH, XLC_MATCH_SCORE

__all__ = ["XLC_AGING", "XLC_BUCKET", "XLC_CEI", "XLC_DAYS_PAST_DUE", "XLC_DSO", "XLC_DUE_DATE",
           "XLC_MATCH", "XLC_MATCH_SCORE", "XLC_ALTMAN_Z", "XLC_CREDIT_CLASS", "XLC_EXPOSURE", "XLC_ORDER_DECISION"]
