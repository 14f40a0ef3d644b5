"""HTML -> PDF.  With LibreOffice (``soffice``) on the machine, every page of a run converts in
ONE headless call (its start-up is most of the cost) with a private, temporary user profile,
so it neither waits for nor disturbs an open LibreOffice.  Without it, fpdf2 (pure Python)
renders the same HTML more plainly.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from fpdf import FPDF

SOFFICE_TIMEOUT = 600      # seconds for one batch


class PdfError(RuntimeError):
    """LibreOffice failed to convert (the message says which files and why)."""


def soffice() -> str | None:
    """The LibreOffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def html_to_pdf(pages: dict[str, str], out_dir: Path, *, engine: str | None = None) -> list[Path]:
    """Write ``out_dir/<stem>.pdf`` for every ``stem -> html`` of ``pages``; returns the paths.
    ``engine``: ``soffice``, ``fpdf`` or None (LibreOffice when present)."""
    return PdfBatch(pages, out_dir, engine=engine).wait()


class PdfBatch:
    """A conversion started now and collected by :meth:`wait`: with LibreOffice the conversion
    runs in its own process meanwhile, so the caller can write the other formats."""

    def __init__(self, pages: dict[str, str], out_dir: Path, *, engine: str | None = None):
        self.pages, self.out_dir = dict(pages), Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.engine = engine or ("soffice" if soffice() else "fpdf")
        self._tmp = self._proc = None
        if self.pages and self.engine == "soffice":
            self._start()

    def _start(self) -> None:
        exe = soffice()
        if exe is None:
            raise PdfError("LibreOffice (soffice) is not installed")
        self._tmp = tempfile.TemporaryDirectory(prefix="xlc-pdf-")
        tmp = Path(self._tmp.name)
        src = tmp / "html"
        src.mkdir()
        files = []
        for stem, html in self.pages.items():
            p = src / f"{stem}.html"
            p.write_text(html, encoding="utf-8")
            files.append(str(p))
        cmd = [exe, f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless", "--norestore",
               "--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(tmp / "pdf"),
               *files]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                      stdin=subprocess.DEVNULL, env={**os.environ, "HOME": str(tmp)})

    def wait(self) -> list[Path]:
        """The PDFs, in the order of ``pages`` (raises :class:`PdfError` when one is missing)."""
        if not self.pages:
            return []
        if self.engine != "soffice":
            return [_with_fpdf(html, self.out_dir / f"{stem}.pdf") for stem, html in self.pages.items()]
        try:
            try:
                _, err = self._proc.communicate(timeout=SOFFICE_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.communicate()
                raise PdfError(f"LibreOffice did not finish converting {len(self.pages)} files in "
                               f"{SOFFICE_TIMEOUT} s") from None
            dst = Path(self._tmp.name) / "pdf"
            out, missing = [], []
            for stem in self.pages:
                made = dst / f"{stem}.pdf"
                if not made.is_file():
                    missing.append(stem)
                    continue
                target = self.out_dir / made.name
                shutil.move(str(made), target)
                out.append(target)
            if missing:
                raise PdfError(f"LibreOffice made no PDF for {', '.join(missing[:5])}"
                               f"{' …' if len(missing) > 5 else ''} (exit {self._proc.returncode}: "
                               f"{(err or '').strip()[:300]})")
            return out
        finally:
            self._tmp.cleanup()


_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/Library/Fonts", "C:/Windows/Fonts")


def _with_fpdf(html: str, path: Path) -> Path:
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    font = next((Path(d) / "DejaVuSans.ttf" for d in _FONT_DIRS if (Path(d) / "DejaVuSans.ttf").is_file()), None)
    if font is not None:
        bold = font.with_name("DejaVuSans-Bold.ttf")
        pdf.add_font("DejaVu", "", str(font))
        pdf.add_font("DejaVu", "B", str(bold if bold.is_file() else font))
        pdf.set_font("DejaVu", size=9)
        family = "DejaVu"
    else:
        pdf.set_font("helvetica", size=9)
        family = "helvetica"
        html = html.encode("latin-1", "replace").decode("latin-1")
    body = html.split("<body>", 1)[-1].rsplit("</body>", 1)[0]
    # fpdf2 takes no markup inside a table cell: keep the cells' text
    body = re.sub(r"(<t[dh][^>]*>)(.*?)(</t[dh]>)", lambda m: m[1] + re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", ", ", m[2])) + m[3], body,
                  flags=re.S)
    pdf.write_html(body, font_family=family)
    pdf.output(str(path))
    return path
