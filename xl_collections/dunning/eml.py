"""E-mail drafts (``.eml``, standard library ``email``): the letter's words as the body and its
PDF attached, addressed to the customer's ``email`` from ``DunningFrom``.  Marked
``X-Unsent: 1`` so Outlook opens it as a draft to send; the program never sends anything."""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path


def letter_eml(ctx: dict, body: str, pdf: Path | None, path: Path, *, sender: str = "") -> Path:
    """Write the draft of one letter (``body``: plain text, ``pdf``: the letter to attach)."""
    msg = EmailMessage()
    msg["Subject"] = f"{ctx['subject']} — {ctx['customer']['name']} ({ctx['customer']['id']})"
    if sender:
        msg["From"] = sender
    if ctx["customer"]["email"]:
        msg["To"] = ctx["customer"]["email"]
    msg["X-Unsent"] = "1"
    msg.set_content(body)
    if pdf is not None and Path(pdf).is_file():
        msg.add_attachment(Path(pdf).read_bytes(), maintype="application", subtype="pdf", filename=Path(pdf).name)
    path.write_bytes(msg.as_bytes(policy=SMTP))
    return path
