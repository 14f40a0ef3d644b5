"""The manager's view of a close: the ``Dashboard`` sheet's figures and charts
(:mod:`.dashboard` the figures, :mod:`.dashboard_sheet` the layout, :mod:`.step` the close step)."""
