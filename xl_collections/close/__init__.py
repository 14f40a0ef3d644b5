"""The month-end close: the step registry (``steps``), the state steps share (``state``), the
inputs read once (``inputs``), the pipeline that runs the steps and writes their sheets
(``pipeline.run_close``), and the ``Close`` checklist and ``Audit Log`` (``checklist``, ``sheets``)."""
