"""Text from data (a file, an import, OpenStreetMap, a user) shown on a Streamlit surface that renders Markdown
(st.markdown, captions, alerts): as an inline code span, the one Markdown construct whose content is never
parsed, so a site id such as "[log in](https://evil.example)" or "![](http://tracker/x.png)" shows as typed and
is neither a link (GitHub-flavoured Markdown links bare URLs in ordinary text even when escaped) nor an image."""
from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
_BACKTICK_RUNS = re.compile(r"`+")


def inert(value: object) -> str:
    """`value` as Markdown that displays exactly its text, on one line."""
    text = _LINE_BREAKS.sub(" ", str(value))
    fence = "`" * (max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"
