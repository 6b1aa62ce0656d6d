"""Where to build next: the sites that bring the most people within reach of a clinic, pharmacy, park, school,
sports ground or stop, solved exactly; the fewest sites for a target share; the user's own proposals against the
optimum; the plan kept by editors and taken away as GeoJSON or CSV."""
import streamlit as st

from components import access_views, siting_views
from components.state import current_city, lang, require_frame, t
from components.widgets import after_map, url_choice, url_keep
from geo.access import DETOUR_FACTOR, SITED_TARGETS, WALK_SPEED_KMH
from geo.errors import AtlasError
from geo.i18n import plural
from geo.siting import MAX_SITES

require_frame()

city = current_city()
st.title(t("siting.title", city=city.name(lang())))
st.caption(t("siting.intro"))

kind_column, within_column, sites_column = st.columns([2, 5, 1])
target, within_m = access_views.kind_and_distance("siting", list(SITED_TARGETS), 1000, kind_column, within_column)
url_choice("siting_sites", "sites", list(range(1, MAX_SITES + 1)), 3)
sites_column.selectbox(t("siting.sites"), list(range(1, MAX_SITES + 1)), key="siting_sites")
url_keep("siting_sites", "sites")
within, sites = float(within_m), int(st.session_state.siting_sites or 3)

access_views.facility_warnings(city, target)
own, own_only = siting_views.own_sites_section(city)
proposals = tuple(tuple(p) for p in st.session_state.setdefault(siting_views.proposals_key(city.id, target), []))
question = (city.id, target, within, proposals, own, own_only)
try:
    with st.spinner(t("siting.solving")):
        found = siting_views.city_siting(*question)
        plan = siting_views.best_sites(question, sites)
except AtlasError as error:
    st.warning(str(error))
    st.stop()
if found.method == "network":
    st.caption(t("siting.method_network", speed=WALK_SPEED_KMH))
else:
    st.warning(t("siting.method_straight", factor=DETOUR_FACTOR))

siting_views.headline(plan, found.problem, found.weighted_by)
st.subheader(plural("siting.map_title", len(plan.chosen), lang()))
st.caption(t("siting.map_hint"))
clicked = siting_views.siting_map(city, found, plan, target, proposals, key=f"siting_map_{city.id}_{target}")
if clicked and clicked not in proposals:
    st.session_state[siting_views.proposals_key(city.id, target)].append(clicked)
    st.rerun()
siting_views.site_table(found, plan, city)
siting_views.downloads(found, plan, city)
if proposals:
    st.subheader(t("siting.yours_title"))
    siting_views.proposal_comparison(found, question, proposals)
    if st.button(t("access.clear_proposals"), key="siting_clear"):
        st.session_state[siting_views.proposals_key(city.id, target)].clear()
        st.rerun()
st.subheader(t("siting.curve_heading"))
after_map(lambda: siting_views.curve_section(found, city, question))
st.subheader(t("siting.target_title"))
siting_views.target_section(city, question)
st.subheader(t("siting.keep_title"))
siting_views.keep_plan(found, plan, city)
