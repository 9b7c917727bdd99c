"""Text as the snapshots write it, made plain: markup removed, language told apart.

The SI Reference Point and bipm-data-outcomes write titles and texts with AsciiDoc and HTML
markup (`stem:[...]`, `*considering*`, `<i>g</i><sub>n</sub>`) and tag some French titles `@en`.
"""

from __future__ import annotations

import html
import re

_FRENCH_WORDS = re.compile(
    r"\b(concernant|relative|relatif|sur|des|du|de la|les|le|la|et|aux|l'|d'|pour|une?)\b",
    re.IGNORECASE,
)
_ENGLISH_WORDS = re.compile(r"\b(the|of|on|and|for|to|concerning|with|in)\b", re.IGNORECASE)


def plain(text: str) -> str:
    """A text without its AsciiDoc and HTML markup: `*considering*` → considering,
    `stem:[...]` → its content, `<i>g</i><sub>n</sub>` → gn, entities decoded, spaces folded."""
    text = re.sub(r"stem:\[([^\]]*)\]", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\[type=[^\]]*\]", "", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?m)^\s*\.+\s+", "", text)
    text = text.replace(" +\n", "\n")
    return re.sub(r"[ \t]+", " ", html.unescape(text)).strip()


def looks_french(text: str) -> bool:
    """Whether a title tagged @en is French: French function words and no English ones."""
    return bool(_FRENCH_WORDS.search(text)) and not _ENGLISH_WORDS.search(text)
