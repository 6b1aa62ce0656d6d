"""Summit mode: the Atlas's key views full screen, in large type, stepped with buttons or the arrow keys."""
import streamlit as st

from components import summit
from components.state import require_frame, t

require_frame()

st.markdown(summit.PRESENTATION_CSS, unsafe_allow_html=True)
sequence = summit.slides()
index = summit.current_index(len(sequence))
summit.navigation(index, len(sequence))
summit.render_slide(*sequence[index])
st.page_link("pages/overview.py", label=t("summit.exit"), icon=":material/close_fullscreen:")
