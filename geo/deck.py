"""A presenter's deck as files to take away: PowerPoint (what summit organisers ask for) and one self-contained HTML
file that steps through the slides offline. Each slide is a title, a picture (a map or chart drawn elsewhere) and a
footer with the date and the credits of what it shows, all in the deck's language."""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

from pptx import Presentation
from pptx.util import Emu, Inches, Pt

SLIDE_INCHES = (13.333, 7.5)  # 16:9, PowerPoint's default widescreen
TITLE_PT, FOOTER_PT = 28, 11
MARGIN_IN = 0.35


@dataclass(frozen=True)
class Slide:
    title: str
    png: bytes  # the map or chart, credits drawn inside it too
    footer: str  # "5 Dec 2026 · Healthy Cities Atlas · Sources: … (licence)", in the deck's language
    notes: str = ""  # what the presenter should know: cities left out, flags


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header (IHDR)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("a slide's picture must be a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def deck_pptx(slides: list[Slide], title: str, lang: str) -> bytes:
    """The slides as a .pptx: title on top, the picture fitted below it without distortion, the footer at the
    bottom, the presenter's notes in the notes pane."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_INCHES[0]), Inches(SLIDE_INCHES[1])
    deck.core_properties.title = title
    deck.core_properties.language = lang
    blank = deck.slide_layouts[6]
    width, height = SLIDE_INCHES
    for slide in slides:
        page = deck.slides.add_slide(blank)
        _text_box(page, slide.title, MARGIN_IN, 0.2, width - 2 * MARGIN_IN, 0.8, TITLE_PT, bold=True)
        _text_box(page, slide.footer, MARGIN_IN, height - 0.55, width - 2 * MARGIN_IN, 0.45, FOOTER_PT)
        box_w, box_h, top = width - 2 * MARGIN_IN, height - 1.0 - 0.65, 1.0
        pixels_w, pixels_h = png_size(slide.png)
        scale = min(box_w / pixels_w, box_h / pixels_h)
        shown_w, shown_h = pixels_w * scale, pixels_h * scale
        page.shapes.add_picture(io.BytesIO(slide.png), Inches(MARGIN_IN + (box_w - shown_w) / 2),
                                Inches(top + (box_h - shown_h) / 2), Emu(int(Inches(shown_w))),
                                Emu(int(Inches(shown_h))))
        if slide.notes:
            page.notes_slide.notes_text_frame.text = slide.notes
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _text_box(page, text: str, left: float, top: float, width: float, height: float, size: int,
              bold: bool = False) -> None:
    frame = page.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height)).text_frame
    frame.word_wrap = True
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size, run.font.bold = Pt(size), bold


DECK_CSS = """
html, body {margin: 0; height: 100%; background: #fff; color: #000; font-family: 'DejaVu Sans', sans-serif;}
section {display: none; height: 100vh; box-sizing: border-box; padding: 1.5vh 2vw; flex-direction: column;}
section.shown {display: flex;}
h1 {font-size: 4vh; margin: 0 0 1vh;}
figure {flex: 1; min-height: 0; margin: 0; display: flex; justify-content: center;}
figure img {max-width: 100%; max-height: 100%; object-fit: contain;}
footer {font-size: 1.6vh; color: #333; margin-top: 1vh; display: flex; gap: 2vw;}
footer .place {margin-left: auto; white-space: nowrap;}
footer nav {display: flex; gap: .5vw;}
footer button {font-size: 1.8vh; padding: .2vh 1vw;}
@media print {section {display: flex; page-break-after: always;} nav {display: none;}}
"""
DECK_SCRIPT = """
var slides = document.querySelectorAll('section'), at = 0;
function show(i) {
  at = Math.max(0, Math.min(slides.length - 1, i));
  slides.forEach(function (s, k) { s.classList.toggle('shown', k === at); });
  location.hash = String(at + 1);
}
document.addEventListener('keydown', function (e) {
  if (e.key === 'ArrowRight' || e.key === 'PageDown' || e.key === ' ') { show(at + 1); }
  if (e.key === 'ArrowLeft' || e.key === 'PageUp') { show(at - 1); }
  if (e.key === 'Home') { show(0); } if (e.key === 'End') { show(slides.length - 1); }
});
document.querySelectorAll('button.previous').forEach(function (b) { b.onclick = function () { show(at - 1); }; });
document.querySelectorAll('button.next').forEach(function (b) { b.onclick = function () { show(at + 1); }; });
show((parseInt(location.hash.slice(1), 10) || 1) - 1);
"""


def deck_html(slides: list[Slide], title: str, lang: str, previous: str, following: str) -> str:
    """The slides as one HTML file with the pictures inside it: it opens from disk with no network and steps with
    the arrow keys or the buttons (`previous`, `following`: their labels in the deck's language); prints one
    slide per page."""
    sections = []
    for number, slide in enumerate(slides, start=1):
        picture = base64.b64encode(slide.png).decode()
        sections.append(
            f'<section><h1>{html.escape(slide.title)}</h1>'
            f'<figure><img alt="{html.escape(slide.title)}" src="data:image/png;base64,{picture}"></figure>'
            f'<footer><span>{html.escape(slide.footer)}</span>'
            f'<span class="place">{number} / {len(slides)}</span>'
            f'<nav><button class="previous">{html.escape(previous)}</button>'
            f'<button class="next">{html.escape(following)}</button></nav></footer></section>')
    return (f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{html.escape(title)}</title><style>{DECK_CSS}</style></head><body>'
            f'{"".join(sections)}<script>{DECK_SCRIPT}</script></body></html>')
