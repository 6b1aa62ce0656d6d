"""Summit mode: the presenter's deck full screen, in large type, stepped with buttons or the arrow keys."""
import streamlit as st

from components import deck_export, summit
from components.state import current_city, require_frame

require_frame()

st.markdown(summit.PRESENTATION_CSS, unsafe_allow_html=True)
choice = summit.deck_choice()
sequence = deck_export.slides(choice)
index = summit.current_index(sequence, current_city().id)
summit.navigation(index, sequence, choice)
summit.render_slide(*sequence[index], choice)
summit.footer(index, len(sequence))
