"""Text from data (a file, an import, OpenStreetMap, a user) shown on a Streamlit surface that renders Markdown
(st.markdown, captions, alerts, metric labels): every Markdown and HTML sign is escaped, so a site id such as
"[log in](https://evil.example)" or "![](http://tracker/x.png)" shows as typed, never as a link or an image."""
from __future__ import annotations

import re

_MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=^\"'])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def inert(value: object) -> str:
    """`value` as Markdown that displays exactly its text, on one line."""
    return _MARKDOWN_SIGNS.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))
