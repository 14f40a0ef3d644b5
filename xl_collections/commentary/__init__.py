"""Past-due commentary: the drafted reasons per customer (``drafts``), the ``Commentary`` sheet
with the specialist's own columns kept (``sheet``) and its close step (``step``)."""
