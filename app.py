"""Healthy Cities Atlas: the frame (page config, sidebar, navigation). Run with `streamlit run app.py`."""
import streamlit as st

from components.assets import STATIC_DIR, install_static_assets
from components.errors import run_guarded
from components.state import init_state, mark_frame_ran, sidebar, t

st.set_page_config(page_title="Healthy Cities Atlas", page_icon=str(STATIC_DIR / "favicon.png"), layout="wide")
st.cache_resource(install_static_assets)()
init_state(dict(st.query_params))
navigation = st.navigation([
    st.Page("pages/overview.py", title=t("nav.overview"), icon=":material/public:", url_path="home", default=True),
    st.Page("pages/city.py", title=t("nav.city"), icon=":material/location_city:", url_path="city"),
    st.Page("pages/profile.py", title=t("nav.profile"), icon=":material/monitoring:", url_path="profile"),
    st.Page("pages/compare.py", title=t("nav.compare"), icon=":material/compare_arrows:", url_path="compare"),
    st.Page("pages/application.py", title=t("nav.application"), icon=":material/assignment:", url_path="application"),
    st.Page("pages/access.py", title=t("nav.access"), icon=":material/directions_walk:", url_path="access"),
    st.Page("pages/siting.py", title=t("nav.siting"), icon=":material/add_location_alt:", url_path="siting"),
    st.Page("pages/air.py", title=t("nav.air"), icon=":material/air:", url_path="air"),
    st.Page("pages/water.py", title=t("nav.water"), icon=":material/water_drop:", url_path="water"),
    st.Page("pages/data.py", title=t("nav.data"), icon=":material/upload_file:", url_path="data"),
    st.Page("pages/summit.py", title=t("nav.summit"), icon=":material/slideshow:", url_path="summit"),
    st.Page("pages/sources.py", title=t("nav.sources"), icon=":material/menu_book:", url_path="sources"),
    # The default page lives at "/" (Streamlit gives it the empty path); its name, in the Overview's own links and
    # in old bookmarks, opens the same page rather than a "Page not found" dialog.
    st.Page("pages/overview.py", title=t("nav.overview"), url_path="overview", visibility="hidden"),
])
sidebar()  # after st.navigation, which makes the entrypoint's the active script: the same widgets in every run
# A card's value and label wrap rather than being cut: "деректер жоқ" (no data) must never read as "деректер ж…"
# (data), nor a Kazakh indicator name lose its unit. Less space above the title: the City map fits a 768 px screen.
st.html("<style>[data-testid='stMetricValue'] div, [data-testid='stMetricValue'] p, [data-testid='stMetricLabel'] p,"
        " [data-testid='stMetricLabel'] .stMarkdownEllipsis, [data-testid='stMetricDelta'] div,"
        " [data-testid='stMetricDelta'] p {white-space: normal !important;"
        " overflow: visible !important; text-overflow: clip !important;}"
        " [data-testid='stMainBlockContainer'] {padding-top: 3rem;}</style>")
mark_frame_ran()
run_guarded(navigation)
