"""A dossier (geo.dossier) typeset as PDF (WeasyPrint over HTML/CSS, fonts embedded) and as an editable DOCX
(python-docx): cover, contents, the six sections with their figures, maps and charts, gaps and the city's own
text, and an annex of sources. Every text is escaped or added as a plain run: markup a city types stays text.
"""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

from geo.dossier import Dossier, FigureRow, Section
from geo.i18n import translate

FONT_FAMILY = "'DejaVu Sans', 'Noto Sans', sans-serif"  # both cover ә ғ қ ң ө ұ ү һ і (fonts-dejavu-core)
A4_MM = (210, 297)
FIGURE_COLUMNS = ("indicator", "value", "unit", "year", "level", "source", "network_median", "rank", "reference",
                  "verdict")
CITY_FIGURE_COLUMNS = ("indicator", "value", "unit", "year", "source")


@dataclass(frozen=True)
class DossierImage:
    """A map or chart of a section, drawn by the caller (components/dossier_export.py) as PNG."""
    section: str
    caption: str
    png: bytes


def figure_cells(figure: FigureRow, columns: tuple[str, ...], sources: tuple[str, ...]) -> list[str]:
    """The cells of a figure's row, as the PDF and the DOCX print them: the source as its number in the
    annex of sources ("[3]"), so a long citation does not stretch the table."""
    source = f"[{sources.index(figure.citation) + 1}]" if figure.citation in sources else figure.source
    by_column = {"indicator": figure.name, "value": figure.value_text, "unit": figure.unit, "year": figure.year,
                 "level": figure.level, "source": source, "network_median": figure.median,
                 "rank": figure.rank, "reference": figure.reference, "verdict": figure.verdict}
    return [by_column[c] for c in columns]


def column_titles(columns: tuple[str, ...], lang: str) -> list[str]:
    return [translate("column.value" if c == "value" else f"column.{c}", lang) for c in columns]


# --- PDF ---------------------------------------------------------------------------------------------------

CSS = f"""
@page {{ size: A4 landscape; margin: 18mm 15mm 18mm 15mm;
        @bottom-center {{ content: counter(page) " / " counter(pages); font: 8pt {FONT_FAMILY}; color: #555; }} }}
@page :first {{ @bottom-center {{ content: none; }} }}
body {{ font: 9.5pt/1.4 {FONT_FAMILY}; color: #111; }}
.cover {{ page-break-after: always; padding-top: 35mm; }}
.cover .kind {{ font-size: 13pt; color: #0b4f8a; }}
.cover h1 {{ font-size: 30pt; margin: 6mm 0; }}
.cover .meta {{ margin-top: 25mm; color: #333; }}
h2 {{ font-size: 15pt; color: #0b4f8a; page-break-before: always; border-bottom: 1px solid #0b4f8a; }}
h2.contents-title {{ page-break-before: avoid; }}
h3 {{ font-size: 11pt; margin: 5mm 0 2mm; page-break-after: avoid; }}
table {{ border-collapse: collapse; width: 100%; font-size: 7.5pt; }}
thead {{ display: table-header-group; }}  /* the column titles again on every page a table runs onto */
tr {{ page-break-inside: avoid; }}  /* a row's values never on one page and its name on the next */
th, td {{ border: 0.5pt solid #999; padding: 1.2mm; vertical-align: top; text-align: left; }}
th {{ background: #e8eef5; }}
td.number {{ text-align: right; white-space: nowrap; }}
.supplied td {{ background: #fff7e0; }}
.narrative {{ white-space: pre-wrap; border-left: 2pt solid #d9a400; padding-left: 3mm; }}
.none {{ color: #555; font-style: italic; }}
figure {{ margin: 4mm 0; page-break-inside: avoid; }}
figure img {{ display: block; margin: 0 auto; max-width: 100%; max-height: 128mm; border: 0.5pt solid #bbb; }}
figcaption {{ font-size: 8pt; color: #444; }}
ul.contents a {{ color: #111; text-decoration: none; }}
ul.contents a::after {{ content: leader('.') target-counter(attr(href), page); }}
"""


def _table(figures: tuple[FigureRow, ...], columns: tuple[str, ...], lang: str, sources: tuple[str, ...],
           css_class: str = "") -> str:
    head = "".join(f"<th>{html.escape(t)}</th>" for t in column_titles(columns, lang))
    rows = []
    for figure in figures:
        cells = "".join(f'<td{" class=number" if c in ("value", "network_median") else ""}>{html.escape(v)}</td>'
                        for c, v in zip(columns, figure_cells(figure, columns, sources)))
        rows.append(f'<tr class="{css_class}">{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _section_html(section: Section, images: list[DossierImage], lang: str, sources: tuple[str, ...]) -> str:
    def t(key: str) -> str:
        return html.escape(translate(key, lang))
    parts = [f'<h2 id="section-{section.id}">{html.escape(section.title)}</h2>', f"<h3>{t('dossier.narrative')}</h3>"]
    parts.append(f'<div class="narrative">{html.escape(section.narrative)}</div>' if section.narrative
                 else f'<p class="none">{t("dossier.no_narrative")}</p>')
    parts.append(f"<h3>{t('dossier.figures')}</h3>")
    parts.append(_table(section.figures, FIGURE_COLUMNS, lang, sources) if section.figures
                 else f'<p class="none">{t("dossier.no_figures")}</p>')
    if section.city_figures:
        parts += [f"<h3>{t('dossier.city_figures')}</h3>",
                  _table(section.city_figures, CITY_FIGURE_COLUMNS, lang, sources, "supplied")]
    if section.plan:
        parts += [f"<h3>{t('dossier.plan_title')}</h3>", f"<p>{html.escape(section.plan[0])}</p>",
                  "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in section.plan[1:]) + "</ul>"]
    for image in images:
        data = base64.b64encode(image.png).decode()
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt=""><figcaption>'
                     f"{html.escape(image.caption)}</figcaption></figure>")
    parts.append(f"<h3>{t('dossier.gaps')}</h3>")
    if section.gaps:
        parts.append("<ul>" + "".join(f"<li><b>{html.escape(g.name)}</b>: {html.escape(g.note)}</li>"
                                      for g in section.gaps) + "</ul>")
    else:
        parts.append(f'<p class="none">{t("dossier.no_gaps")}</p>')
    return "\n".join(parts)


def dossier_html(dossier: Dossier, images: list[DossierImage], notes: tuple[str, ...] = ()) -> str:
    """The dossier as one self-contained HTML document (images inline), ready for WeasyPrint."""
    lang = dossier.lang

    def t(key: str, **params) -> str:
        return html.escape(translate(key, lang, **params))
    contents = "".join(f'<li><a href="#section-{s.id}">{html.escape(s.title)}</a></li>' for s in dossier.sections)
    contents += f'<li><a href="#sources">{t("dossier.sources")}</a></li>'
    body = [
        f'<section class="cover"><div class="kind">{html.escape(dossier.title)}</div>'
        f"<h1>{html.escape(dossier.city_name)}</h1><p>{html.escape(dossier.subtitle)}</p>"
        f'<div class="meta"><p>{t("dossier.made_on", date=dossier.made_on)}</p>'
        f"<p>{html.escape(dossier.data_as_of)}</p>"
        + "".join(f"<p>{html.escape(n)}</p>" for n in notes) + "</div></section>",
        f'<h2 class="contents-title">{t("dossier.contents")}</h2><ul class="contents">{contents}</ul>',
        f"<p>{t('dossier.intro')}</p>",
    ]
    for section in dossier.sections:
        body.append(_section_html(section, [i for i in images if i.section == section.id], lang, dossier.sources))
    body.append(f'<h2 id="sources">{t("dossier.sources")}</h2><ol>'
                + "".join(f"<li>{html.escape(s)}</li>" for s in dossier.sources) + "</ol>")
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(dossier.title)} — {html.escape(dossier.city_name)}</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>")


def dossier_pdf(dossier: Dossier, images: list[DossierImage], notes: tuple[str, ...] = ()) -> bytes:
    """The dossier as PDF, fonts embedded (WeasyPrint)."""
    from weasyprint import HTML  # imported here: only exports need the typesetter

    return HTML(string=dossier_html(dossier, images, notes)).write_pdf()


# --- DOCX --------------------------------------------------------------------------------------------------


def dossier_docx(dossier: Dossier, images: list[DossierImage], notes: tuple[str, ...] = ()) -> bytes:
    """The same dossier as an editable Word file: headings, tables, pictures; every text a plain run."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Mm, Pt

    lang = dossier.lang
    document = Document()
    page = document.sections[0]  # A4 landscape, as the PDF (python-docx starts on US Letter)
    page.orientation, page.page_width, page.page_height = WD_ORIENT.LANDSCAPE, Mm(A4_MM[1]), Mm(A4_MM[0])
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(page, margin, Cm(1.5))
    document.styles["Normal"].font.name = "DejaVu Sans"
    document.styles["Normal"].font.size = Pt(9)
    document.add_paragraph(dossier.title)
    document.add_heading(dossier.city_name, level=0)
    document.add_paragraph(dossier.subtitle)
    document.add_paragraph(translate("dossier.made_on", lang, date=dossier.made_on))
    document.add_paragraph(dossier.data_as_of)
    for note in notes:
        document.add_paragraph(note)
    document.add_heading(translate("dossier.contents", lang), level=1)
    for section in dossier.sections:
        document.add_paragraph(section.title, style="List Number")
    document.add_paragraph(translate("dossier.sources", lang), style="List Number")
    document.add_paragraph(translate("dossier.intro", lang))
    for section in dossier.sections:
        document.add_page_break()
        document.add_heading(section.title, level=1)
        document.add_heading(translate("dossier.narrative", lang), level=2)
        document.add_paragraph(section.narrative or translate("dossier.no_narrative", lang))
        document.add_heading(translate("dossier.figures", lang), level=2)
        if section.figures:
            _docx_table(document, section.figures, FIGURE_COLUMNS, lang, dossier.sources)
        else:
            document.add_paragraph(translate("dossier.no_figures", lang))
        if section.city_figures:
            document.add_heading(translate("dossier.city_figures", lang), level=2)
            _docx_table(document, section.city_figures, CITY_FIGURE_COLUMNS, lang, dossier.sources)
        if section.plan:
            document.add_heading(translate("dossier.plan_title", lang), level=2)
            document.add_paragraph(section.plan[0])
            for line in section.plan[1:]:
                document.add_paragraph(line, style="List Bullet")
        for image in (i for i in images if i.section == section.id):
            document.add_picture(io.BytesIO(image.png), width=Cm(24))
            document.add_paragraph(image.caption)
        document.add_heading(translate("dossier.gaps", lang), level=2)
        for gap in section.gaps:
            document.add_paragraph(f"{gap.name}: {gap.note}", style="List Bullet")
        if not section.gaps:
            document.add_paragraph(translate("dossier.no_gaps", lang))
    document.add_page_break()
    document.add_heading(translate("dossier.sources", lang), level=1)
    for number, source in enumerate(dossier.sources, start=1):
        document.add_paragraph(f"[{number}] {source}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_table(document, figures: tuple[FigureRow, ...], columns: tuple[str, ...], lang: str,
                sources: tuple[str, ...]) -> None:
    from docx.oxml import OxmlElement

    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, column_titles(columns, lang)):
        cell.text = title
    for figure in figures:
        for cell, value in zip(table.add_row().cells, figure_cells(figure, columns, sources)):
            cell.text = value
    for number, row in enumerate(table.rows):  # as the PDF: no row split across pages, titles on every page
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if number == 0:
            properties.append(OxmlElement("w:tblHeader"))
