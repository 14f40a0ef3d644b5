"""The workbook a manager reads: the ``Dashboard`` sheet's figures and charts (:mod:`.dashboard`
the figures, :mod:`.dashboard_sheet` the layout, :mod:`.step` the close step), navigation and
print set-up of the result sheets (:mod:`.navigation`), and the management pack, one PDF of the
sheets a controller reads (:mod:`.pack`)."""
