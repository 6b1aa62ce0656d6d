"""Run the Atlas under Streamlit's AppTest the way the real server runs it (tests and benchmarks share this)."""
from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager

_ORIGINAL_INIT = PagesManager.__init__


def navigation_init(self, *args, **kwargs) -> None:
    """PagesManager.__init__ that leaves Streamlit's legacy pages/-folder mode, as the server does for good
    once app.py has called st.navigation. AppTest re-enters that mode on every run, which runs a page
    without app.py."""
    _ORIGINAL_INIT(self, *args, **kwargs)
    PagesManager.uses_pages_directory = False


def use_navigation_mode() -> None:
    """For the rest of this process (benchmarks); tests patch with monkeypatch instead, so it is undone."""
    PagesManager.__init__ = navigation_init
