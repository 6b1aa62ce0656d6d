"""The Application page in headless Chromium, offline: its sections and maps draw, and the PDF and Word files
it prepares download and open (Astana in Kazakh, Bishkek in Kyrgyz). Screenshots in test-artifacts/."""
import io
import zipfile

import pytest
from pypdf import PdfReader

from geo.i18n import translate
from tests.test_browser import ARTIFACTS, OPTIONAL_HOSTS, browser, map_frame, offline_page, server  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("city, lang", [("astana", "kk"), ("bishkek", "ky")])
def test_application_page_draws_and_its_pdf_and_docx_download(server, browser, city, lang):  # noqa: F811
    outside: list[str] = []
    page = offline_page(browser, outside, viewport=(1366, 900))
    page.goto(f"{server}/application?city={city}&lang={lang}")
    map_frame(page)
    page.get_by_role("heading", name=translate("section.digitalization", lang)).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / f"application-{lang}-{city}.png")
    page.get_by_role("button", name=translate("dossier.exports", lang)).click()
    pdf_button = page.get_by_role("button", name=translate("dossier.export_pdf", lang))
    pdf_button.wait_for(timeout=180_000)
    with page.expect_download() as pdf_download:
        pdf_button.click()
    pdf = pdf_download.value.path().read_bytes()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert translate("section.digitalization", lang) in text.replace("\n", " ")
    (ARTIFACTS / f"dossier-{lang}-{city}.pdf").write_bytes(pdf)
    with page.expect_download() as docx_download:
        page.get_by_role("button", name=translate("dossier.export_docx", lang)).click()
    with zipfile.ZipFile(docx_download.value.path()) as archive:
        assert "word/document.xml" in archive.namelist()
    assert set(outside) <= OPTIONAL_HOSTS, f"requests to the internet: {sorted(set(outside))}"
    page.context.close()
