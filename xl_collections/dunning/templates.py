"""Letter and statement templates: the package's own (``templates/``: Jinja2 layouts and one
``texts/<language>.toml`` of words per language — English, Spanish, Portuguese), each
overridable by a file of the same name in the folder the ``LetterTemplates`` setting names.

A customer's ``language`` picks the words: ``es``, ``ES``, ``es-MX``, ``Spanish`` and
``español`` all mean Spanish; a language without a texts file falls back to English.
"""
from __future__ import annotations

import tomllib
import unicodedata
from functools import cached_property
from pathlib import Path

import jinja2

PACKAGE_DIR = Path(__file__).with_name("templates")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"english": "en", "ingles": "en", "spanish": "es", "espanol": "es", "castellano": "es",
                  "portuguese": "pt", "portugues": "pt", "german": "de", "deutsch": "de", "french": "fr",
                  "francais": "fr", "italian": "it", "italiano": "it", "dutch": "nl"}


class TemplateError(ValueError):
    """A user's template or texts file that cannot be used (the message names the file)."""


def language_code(value: object) -> str:
    """``"es-MX"`` -> ``"es"``, ``"Português"`` -> ``"pt"``; blank -> ``""``."""
    text = "" if value is None else str(value).strip()
    if not text or text.lower() == "nan":
        return ""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    if plain in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[plain]
    return plain.replace("_", "-").split("-")[0][:3]


class Templates:
    """The templates of one run: the user's ``folder`` (may be None/blank) before the package's."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder not in (None, "") else None
        if self.folder is not None and not self.folder.is_dir():
            raise TemplateError(f"LetterTemplates {str(folder)!r} is not a folder: expected a folder with your "
                                f"letter templates, or blank for the built-in ones")
        self._texts: dict[str, dict] = {}

    @cached_property
    def env(self) -> jinja2.Environment:
        loaders = [jinja2.FileSystemLoader(str(self.folder))] if self.folder else []
        loaders.append(jinja2.FileSystemLoader(str(PACKAGE_DIR)))
        return jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                                  autoescape=jinja2.select_autoescape(["html", "html.j2"]),
                                  trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)

    def _texts_file(self, lang: str) -> Path | None:
        for base in ([self.folder / "texts", self.folder] if self.folder else []) + [PACKAGE_DIR / "texts"]:
            p = base / f"{lang}.toml"
            if p.is_file():
                return p
        return None

    def language(self, value: object) -> str:
        """The language whose words a customer gets: its own when a texts file exists, else English."""
        code = language_code(value)
        return code if code and self._texts_file(code) is not None else DEFAULT_LANGUAGE

    def texts(self, lang: str) -> dict:
        """The words of ``lang`` (:meth:`language` first): the package's English, then the
        package's ``lang``, then the user's file — each filling in only what it names."""
        if lang not in self._texts:
            layers = [PACKAGE_DIR / "texts" / f"{DEFAULT_LANGUAGE}.toml", PACKAGE_DIR / "texts" / f"{lang}.toml"]
            if self.folder:
                layers += [self.folder / "texts" / f"{lang}.toml", self.folder / f"{lang}.toml"]
            words: dict = {}
            for path in dict.fromkeys(layers):
                if path.is_file():
                    words = _merge(words, self._load(path))
            self._texts[lang] = words
        return self._texts[lang]

    @staticmethod
    def _load(path: Path) -> dict:
        try:
            return tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise TemplateError(f"{path}: cannot be read as a texts file ({e})") from None

    def render(self, name: str, **context) -> str:
        """Render the template ``name`` (e.g. ``letter.html.j2``)."""
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateError as e:
            where = f"{self.folder}/{name}" if self.folder and (self.folder / name).is_file() else name
            raise TemplateError(f"template {where}: {e}") from None

    def fill(self, text: str, **context) -> str:
        """A line of a texts file with its ``{{ }}`` placeholders filled (plain text, not escaped)."""
        try:
            return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text).render(**context)
        except jinja2.TemplateError as e:
            raise TemplateError(f"texts line {text!r}: {e}") from None


def _merge(base: dict, own: dict) -> dict:
    out = dict(base)
    for k, v in own.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out
