"""Text from a scenario is data: control characters are shown escaped, never obeyed.

A title, name or key may hold terminal escape sequences, newlines that would forge a second
line of an error, or bidirectional overrides that reorder what a reader sees. Wherever such
text reaches a terminal, a subtitle file or an error message it passes through :func:`safe_text`.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls, DEL, and the Unicode format characters that reorder or hide text
# (bidirectional embeddings, overrides and isolates, zero-width joiners, line/paragraph separators).
_UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _escape(m: re.Match) -> str:
    c = m.group(0)
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def safe_text(text, keep_newlines: bool = False) -> str:
    """``text`` with every control or text-reordering character written as ``\\xNN``/``\\uNNNN``.

    ``keep_newlines`` keeps ``\\n`` (for multi-line text whose other characters are escaped).
    """
    s = str(text)
    if keep_newlines:
        return "\n".join(_UNSAFE_RE.sub(_escape, part) for part in s.split("\n"))
    return _UNSAFE_RE.sub(_escape, s)


def find_unsafe(text: str, allow_newlines: bool = False) -> int | None:
    """Index of the first control or reordering character in ``text``, or None.

    ``allow_newlines`` lets ``\\n`` and ``\\t`` through (for descriptions written over lines).
    """
    for m in _UNSAFE_RE.finditer(text):
        if allow_newlines and m.group(0) in "\n\t":
            continue
        return m.start()
    return None


_C0_NAMES = ("NUL SOH STX ETX EOT ENQ ACK BELL BACKSPACE TAB LINE-FEED VT FORM-FEED CARRIAGE-RETURN SO SI "
             "DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESCAPE FS GS RS US").split()


def char_name(c: str) -> str:
    """``U+001B ESCAPE`` style name of a character, for error messages."""
    o = ord(c)
    if o < 0x20:
        name = _C0_NAMES[o].replace("-", " ")
    elif o == 0x7F:
        name = "DELETE"
    else:
        name = unicodedata.name(c, "control character")
    return f"U+{o:04X} {name}"
