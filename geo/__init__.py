"""Pure, typed core of the Healthy Cities Atlas: no streamlit, folium or plotly imports."""
