"""TrueType faces for letters: found from `fonts.yaml`, registered with ReportLab once per process.

Text is measured here (not with `pdfmetrics.stringWidth`) from the face's own width table with a
per-word cache, because the layout measures every word of every letter.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CONFIG = Path(__file__).with_name("fonts.yaml")


from pipelines.errors import MissingDependency


class FontMissing(MissingDependency):
    """No candidate file of a face exists: the message names the Debian package to install."""


@dataclass(eq=False)
class Face:
    name: str  # name registered with ReportLab
    path: str
    widths: dict[int, float]  # per 1000 units of em
    default_width: float
    ascent: float
    descent: float
    _cache: dict[str, float] = field(default_factory=dict, repr=False)
    chars: frozenset = field(default=frozenset(), repr=False)  # characters the face can draw

    def __post_init__(self):
        if not self.chars:
            self.chars = frozenset(chr(c) for c in self.widths)

    def width(self, text: str, size: float) -> float:
        """Advance width of `text` at `size` points."""
        w = self._cache.get(text)
        if w is None:
            get, dw = self.widths.get, self.default_width
            w = sum([get(ord(c), dw) for c in text])
            if len(self._cache) < 200_000:
                self._cache[text] = w
        return w * size / 1000.0

    def covers(self, text: str) -> bool:
        return self.chars.issuperset(text)

    def missing(self, text: str) -> set[str]:
        return {c for c in set(text).difference(self.chars) if not c.isspace()}


@dataclass(eq=False)
class FontSet:
    """The faces one language uses."""

    regular: Face
    bold: Face
    head: Face
    fallback: Face
    fake_bold: bool

    def for_text(self, text: str, bold: bool = False) -> Face:
        """The face to draw `text` with: the body face unless it lacks a character."""
        face = self.bold if bold else self.regular
        if face is self.fallback or text.isascii() or face.chars.issuperset(text):
            return face
        return self.fallback

    def unprintable(self, text: str) -> set[str]:
        """Characters neither the body face nor the fallback can draw (printed as empty boxes)."""
        if text.isascii():
            return set()
        return {c for c in self.regular.missing(text) if c not in self.fallback.chars}


_FACES: dict[str, Face] = {}
_SETS: dict[str, FontSet] = {}


def _config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def _face(key: str, spec: dict) -> Face:
    face = _FACES.get(key)
    if face is not None:
        return face
    for candidate in spec["files"]:
        path = os.path.expanduser(candidate)
        if os.path.exists(path):
            break
    else:
        package = spec.get("package", "the package named in letters/fonts.yaml")
        raise FontMissing(f"font '{key}' not found ({', '.join(spec['files'])}): install the system package "
                          f"{package} (apt-get install {package}) or set its path in letters/fonts.yaml")
    name = "Arrears-" + key
    ttf = TTFont(name, path, subfontIndex=int(spec.get("subfont", 0)))
    pdfmetrics.registerFont(ttf)
    f = ttf.face
    face = _FACES[key] = Face(name, path, dict(f.charWidths), float(f.defaultWidth), float(f.ascent), float(f.descent))
    return face


def fontset(language: str) -> FontSet:
    """The registered faces of `language` (loading each file once per process)."""
    fs = _SETS.get(language)
    if fs is not None:
        return fs
    cfg = _config()
    lang = cfg["languages"].get(language)
    if lang is None:
        raise KeyError(f"no fonts configured for language {language!r}")
    faces = cfg["faces"]
    fs = _SETS[language] = FontSet(
        regular=_face(lang["regular"], faces[lang["regular"]]),
        bold=_face(lang["bold"], faces[lang["bold"]]),
        head=_face(lang["head"], faces[lang["head"]]),
        fallback=_face(lang["fallback"], faces[lang["fallback"]]),
        fake_bold=bool(lang.get("fake_bold", False)),
    )
    return fs
