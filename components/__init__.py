"""Streamlit, folium and plotly building blocks of the Atlas; they call into geo/, never the reverse."""
