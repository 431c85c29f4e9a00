"""Issue text, comments and repository content are data, never instructions — pure.

Hidden HTML comments and zero-width/bidi control characters are how instructions get
smuggled past a human reader; they are removed, and what remains is fenced in tags the
system prompt tells the model to treat as untrusted data.
"""

from __future__ import annotations

import re
import unicodedata

_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
# zero-width, joiners, bidi overrides/isolates, BOM, soft hyphen, tag characters
_INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]"
)


def clean(text: str | None, *, limit: int = 20_000) -> str:
    """Strip hidden content and control characters; cap the length."""
    if not text:
        return ""
    text = _HTML_COMMENT.sub("", text)
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    if len(text) > limit:
        text = text[:limit] + "\n[… truncated]"
    return text


def fence(kind: str, text: str | None, *, limit: int = 20_000) -> str:
    """Wrap cleaned text in `<untrusted kind=…>` tags it cannot close itself."""
    body = clean(text, limit=limit).replace("</untrusted", "&lt;/untrusted")
    return f'<untrusted kind="{kind}">\n{body}\n</untrusted>'
