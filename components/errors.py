"""The page's last line of defence: an error no check foresaw is logged on the server with its traceback, under a
short reference, and the visitor sees that reference only (no traceback, no server path, no database host)."""
from __future__ import annotations

import logging
import secrets

import streamlit as st

from components.state import t
from geo.errors import StoreBusy, StoreFull, StoreUnavailable

LOG = logging.getLogger("atlas.pages")


def run_guarded(page) -> None:
    """Run the navigation's page; Streamlit's own rerun and stop signals pass (they are BaseExceptions)."""
    try:
        page.run()
    except StoreUnavailable:
        LOG.exception("the layer store is unavailable")
        st.error(t("error.store_unavailable"))
    except (StoreBusy, StoreFull) as failure:  # said by kind; the page works again once the cause is gone
        LOG.warning("the layer store refused: %s", failure)
        st.error(t("error.store_busy" if isinstance(failure, StoreBusy) else "error.store_full"))
    except Exception:  # anything else: logged in full, said by reference
        reference = secrets.token_hex(4)
        LOG.exception("unexpected error %s on page %s", reference, getattr(page, "url_path", "?"))
        st.error(t("error.unexpected", reference=reference))
