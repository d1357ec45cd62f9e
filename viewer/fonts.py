"""Fonts for the names plant owners write: VTK's built-in Arial draws Latin letters only.

A Chinese project name (原料药车间) or room name vanished from the picture, and VTK splits text at ``|`` so a tag
such as ``P|101`` lost its bar. Text that needs more than Latin is drawn with a font file that covers CJK and
Latin alike: ``$TWIN_FONT`` if set, else the first of :data:`CANDIDATES` installed (Debian: ``apt-get install
fonts-wqy-microhei``, WenQuanYi Micro Hei, Apache-2.0; or fonts-noto-cjk, fonts-droid-fallback); a ``|`` is drawn as
the box-drawing bar ``│`` (U+2502), which looks the same and is not a separator.
"""
from __future__ import annotations

import os
from pathlib import Path

CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
              "/usr/share/fonts/truetype/arphic/uming.ttc")
BAR = "\u2502"
INSTALL = "install a CJK font (Debian: apt-get install fonts-wqy-microhei) or set TWIN_FONT to a .ttf/.ttc file"


def needs_font(text: str) -> bool:
    """Whether the built-in font cannot draw ``text`` (characters beyond Latin, or a ``|``)."""
    return any(ord(c) > 0x24F or c == "|" for c in text)


def font_file() -> str | None:
    """A font file covering CJK and Latin: ``$TWIN_FONT``, else an installed one of :data:`CANDIDATES`, or None."""
    chosen = os.environ.get("TWIN_FONT")
    if chosen and Path(chosen).is_file():
        return chosen
    return next((c for c in CANDIDATES if Path(c).is_file()), None)


def drawable(texts: list[str]) -> tuple[list[str], str | None, str | None]:
    """``texts`` as VTK can draw them, the font file to draw them with (None: the built-in one) and, when no font
    covers them, a message saying what to install."""
    if not any(needs_font(t) for t in texts):
        return texts, None, None
    font = font_file()
    shown = [t.replace("|", BAR) for t in texts] if font else texts
    return shown, font, None if font else f"some names cannot be drawn with the built-in font: {INSTALL}"
