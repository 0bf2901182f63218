"""The one gate every text passes before it leaves the landing zone: messages, alerts, reports, logs, run metadata.

A delivered file can put a student number anywhere: in a header (a file without one takes its first row as
column names), in a shifted column, in its own name. So whatever text is about a landing file is passed
through `safe_text` before it is shown or stored: every run of six or more digits (also grouped by `.`, a space
or a no-break space: `612.345`) is masked the way reports mask a student number (`pseudonym.mask`: its length
and last two digits), and control characters are escaped
(`\\x1b`), so a file name can neither hide nor forge lines in a terminal, a mail or a report. Backslashes stay as
they are, so `safe_text` is idempotent: texts pass it at their source and again where they are shown.

Numbers the pipeline writes itself into such texts (row numbers, counts) are grouped by thousands
(`count_text`), so that they stay readable after masking.
"""

from __future__ import annotations

import re
import unicodedata

from assets.common.pseudonym import mask

#: Digit runs this long may be student numbers (the institution's are 6 to 8 digits, zero-padded or not), also
#: written in groups of three by `.`, a space, a no-break or a narrow no-break space (`612.345`, `1 234 567`);
#: a comma groups nothing here, so `count_text`'s `1,234,567` stays readable.
_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{1,3}(?:[. \u00a0\u202f][0-9]{3})+|[0-9]{6,})(?![0-9])")
_NOT_DIGIT = re.compile(r"[^0-9]")
_MIN_DIGITS = 6
_SURROGATE_BYTES = range(0xDC80, 0xDD00)  # undecodable bytes of a file name (os.fsdecode's surrogateescape)


_ESCAPED = ("Cc", "Cf", "Cs", "Zl", "Zp")  # control, format, surrogate (undecodable byte), line/paragraph separator


def _escape(ch: str, keep: str) -> str:
    code = ord(ch)
    if ch in keep:
        return ch
    if code in _SURROGATE_BYTES:
        return f"\\x{code - 0xDC00:02x}"
    if unicodedata.category(ch) in _ESCAPED:
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def has_escapes(text: str) -> bool:
    """Whether `safe_text` would escape a character of `text` (a file name that cannot be shown as it is)."""
    return any(unicodedata.category(ch) in _ESCAPED for ch in text)


def safe_text(text: object, *, one_line: bool = True) -> str:
    """`text` fit to show anywhere: student-number-like digit runs masked, control characters escaped
    (`one_line=False` keeps line breaks and tabs, for a multi-line report)."""
    if text is None:
        return ""
    keep = "" if one_line else "\n\t"
    shown = "".join(_escape(ch, keep) for ch in str(text))
    return _NUMBER.sub(_masked, shown)


def _masked(match: re.Match) -> str:
    digits = _NOT_DIGIT.sub("", match.group(0))
    return mask(digits) if len(digits) >= _MIN_DIGITS else match.group(0)


def setting_text(text: object) -> str:
    """A path or value from the configuration (never from a delivered file) shown as it is: control characters
    escaped, digits left alone (a data folder named `/srv/wb_2025` stays findable)."""
    return "".join(_escape(ch, "") for ch in str(text))


def count_text(n: int) -> str:
    """A row number or count as text that masking leaves alone: 1,234,567."""
    return f"{n:,}"
