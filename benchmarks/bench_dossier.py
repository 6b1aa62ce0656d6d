"""Benchmark of the application dossier. Run on demand: `python benchmarks/bench_dossier.py`.

Prints the time to build the dossier's PDF and DOCX (figures, maps and charts drawn, pages typeset) for the
largest city of the catalogue, against the server time of that city's City page (AppTest run), all in this
one process. Last line: `pdf_ms=… docx_ms=… city_page_ms=… pdf_over_page=… docx_over_page=…`.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.timing import best_of  # noqa: E402
from geo.cities import member_cities  # noqa: E402

LANG = "ru"


def main() -> None:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").disabled = True
    from components.dossier_export import dossier_files
    city = max(member_cities(), key=lambda c: c.population.value if c.population else 0)
    print(f"largest city: {city.id} ({city.population.value:,} residents), language {LANG}")
    dossier_files(city.id, LANG)  # warm the shared caches, as a running server has them
    pdf_s, files = best_of(lambda: dossier_files(city.id, LANG, ("pdf",)))
    docx_s, docx = best_of(lambda: dossier_files(city.id, LANG, ("docx",)))
    print(f"PDF : {pdf_s * 1000:8.0f} ms, {len(files['pdf']) / 1e3:7.0f} kB (maps and chart drawn, pages typeset)")
    print(f"DOCX: {docx_s * 1000:8.0f} ms, {len(docx['docx']) / 1e3:7.0f} kB")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update({"city": city.id, "lang": LANG})
    at.run()
    at.switch_page("pages/city.py").run()  # cold run, caches filled

    def city_page():
        at.switch_page("pages/city.py").run()
        assert not at.exception
    page_s, _ = best_of(city_page)
    print(f"City page server run (warm): {page_s * 1000:6.0f} ms")
    print(f"pdf_ms={pdf_s * 1000:.0f} docx_ms={docx_s * 1000:.0f} city_page_ms={page_s * 1000:.0f} "
          f"pdf_over_page={pdf_s / page_s:.1f} docx_over_page={docx_s / page_s:.1f}")


if __name__ == "__main__":
    main()
