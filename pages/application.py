"""Application: the city's application to the national network (for the Kyrgyz cities, its WHO city health
profile) in six sections, with the city's own text and figures, and its PDF and Word exports."""
from components.dossier_views import application_page
from components.state import current_city, require_frame

require_frame()
application_page(current_city())
