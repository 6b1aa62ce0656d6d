"""CSV downloads open safely in a spreadsheet: no cell starts a formula, however it is hidden, and no cell's line
break starts a new row; a standard CSV reader gets every value back (apostrophe aside)."""
import csv
import io

import pandas as pd

from geo.csvsafe import neutralise, safe_csv

HOSTILE = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "  =HYPERLINK(\"http://x\")", "\t=cmd", "\r=cmd", "\u200b=cmd",
           "\x00=cmd", "\u00a0=1"]
HARMLESS = ["Ward 4", "Clinic №1", "  Ward 5", "e-mail", "3-4", ""]


def test_formulas_are_neutralised_after_blanks_and_control_characters():
    for value in HOSTILE:
        assert neutralise(value) == "'" + value, repr(value)
    for value in HARMLESS:
        assert neutralise(value) == value, repr(value)
    assert neutralise(-5) == -5 and neutralise(None) is None


def test_a_line_break_inside_a_cell_cannot_start_a_row():
    frame = pd.DataFrame({"name": ["Ward 4\r=cmd|' /C calc'!A0", "two\nlines", "plain"], "value": [1.5, None, 2.0]})
    text = safe_csv(frame)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["name", "value"], ["Ward 4\r=cmd|' /C calc'!A0", "1.5"], ["two\nlines", ""], ["plain", "2.0"]]
    assert '"Ward 4\r=cmd' in text and '"two\nlines"' in text  # quoted, as RFC 4180 asks
