"""Access: how far people walk to a clinic, a pharmacy, a park, a school; where the underserved areas are; and
what a proposed facility would change (click the map)."""
import streamlit as st

from components import access_views, data
from components.state import current_city, lang, require_frame, t
from geo.access import ACCESS_TARGETS, DETOUR_FACTOR, WALK_SPEED_KMH
from geo.i18n import format_month
from geo.mobility import drive_network_only
from geo.provenance import osm_sources_named

require_frame()

city = current_city()
st.title(t("access.title", city=city.name(lang())))
st.caption(t("access.intro"))

target, threshold = access_views.kind_and_distance("access", list(ACCESS_TARGETS), 500, *st.columns(2))

model = access_views.access_model(city.id, target)
if model is None:
    st.warning(t("access.no_destinations", target=t(f"access_target.{target}")))
    access_views.offer_osm(city)
    st.stop()
if model.method == "network":
    st.success(t("access.method_network", speed=WALK_SPEED_KMH))
    walking = data.city_layer(city.id, "walking_network")
    if drive_network_only(city, walking):
        st.warning(t("access.drive_only"))
    for osm in {osm.source: osm for s in walking["source"].unique() for osm in osm_sources_named(city, s)}.values():
        if osm.dated():
            st.warning(t("access.network_dated", date=format_month(osm.date, lang())))
else:
    st.warning(t("access.method_straight", factor=DETOUR_FACTOR, spacing=int(model.grid_m)))
    access_views.offer_osm(city)

access_views.facility_warnings(city, target)
access_views.headline(model, threshold)
if target == "transit":
    access_views.sdg_transit_comparison(city)
access_views.what_if(city, model, target, threshold)
st.subheader(t("access.districts_title"))
access_views.district_shares(city, model, threshold)
