"""Command line: `python -m geo indicators --city CITY [--year YEAR]` writes CSV to stdout;
`python -m geo users add NAME [--cities a,b] [--role editor|viewer] [--password-stdin]` creates an account in
the layer store ($ATLAS_DATABASE_URL, else data/user/atlas.sqlite);
`python -m geo i18n status|export-po DIR|import-po DIR` lists untranslated or fuzzy strings per language, and
moves the translation catalogue (data/i18n.toml) to gettext .po files for Poedit or Weblate and back."""
from __future__ import annotations

import argparse
import sys

from geo.air import annual_stats
from geo.cities import get_city
from geo.csvsafe import safe_csv
from geo.errors import AtlasError
from geo.indicators import indicator_values
from geo.store import read_layer, read_table

CSV_COLUMNS = ["indicator_id", "city_id", "year", "value", "unit", "level", "area", "source"]


def city_indicator_values(city_id: str):
    """Every indicator value of a city, all years, from the embedded data."""
    city = get_city(city_id)

    def rows(frame):
        return frame[frame["city_id"] == city.id]
    return indicator_values(city, rows(read_layer("boundary")), rows(read_layer("health_facilities")),
                            rows(read_layer("districts")), annual_stats(rows(read_table("air_daily"))),
                            read_table("regional_stats"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    indicators = commands.add_parser("indicators", help="every indicator value of a city as CSV")
    indicators.add_argument("--city", required=True, help="city id, e.g. almaty (see data/cities.toml)")
    indicators.add_argument("--year", type=int, help="only values of this year (values without a year are kept)")
    users = commands.add_parser("users", help="editor accounts").add_subparsers(dest="action", required=True)
    add = users.add_parser("add", help="create an account (asks for the password)")
    add.add_argument("name")
    add.add_argument("--cities", default="", help="comma-separated city ids the editor may change, or 'all'")
    add.add_argument("--role", default="editor", choices=("editor", "viewer"))
    add.add_argument("--replace", action="store_true", help="replace an existing account of that name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    i18n = commands.add_parser("i18n", help="translation catalogue").add_subparsers(dest="action", required=True)
    i18n.add_parser("status", help="per language: missing, untranslated, fuzzy or mismatched strings "
                                   "(exit status 1 if any key is missing or mismatched)")
    for action, text in (("export-po", "write DIR/atlas.pot and DIR/<lang>/LC_MESSAGES/atlas.po"),
                         ("import-po", "read the .po files of DIR back into data/i18n.toml")):
        i18n.add_parser(action, help=text).add_argument("folder")
    args = parser.parse_args(argv)
    if args.command == "users":
        return add_account(args)
    if args.command == "i18n":
        return translation_command(args)
    try:
        values = city_indicator_values(args.city)
    except AtlasError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.year is not None:
        values = values[values["year"].isna() | (values["year"] == args.year)]
    # Unknown values are written as empty cells, never as 0.
    sys.stdout.write(safe_csv(values[CSV_COLUMNS], float_format="%.6g"))
    return 0


def translation_command(args) -> int:
    from pathlib import Path

    from geo.i18n import (
        CATALOGUE_PATH,
        FUZZY_TABLE,
        IDENTICAL_TABLE,
        LANGUAGES,
        catalogue,
        catalogue_marks,
    )
    from geo.translations import export_po, import_po, render_catalogue, status

    if args.action == "export-po":
        for path in export_po(catalogue(), catalogue_marks(), Path(args.folder)):
            print(path)
        return 0
    if args.action == "import-po":
        tables, marks = import_po(Path(args.folder), list(catalogue()))
        CATALOGUE_PATH.write_text(render_catalogue(tables, marks), encoding="utf-8")
        print(f"{CATALOGUE_PATH}: " + ", ".join(f"{lang} {len(strings)}" for lang, strings in tables.items()))
        return 0
    marks = catalogue_marks()
    report = status(catalogue(), marks[FUZZY_TABLE], marks[IDENTICAL_TABLE])
    english = len(catalogue()["en"])
    for lang, found in report.items():
        print(f"{lang} ({LANGUAGES[lang]}): {english - len(found.missing)}/{english} strings; "
              f"missing {len(found.missing)}, untranslated {len(found.untranslated)}, fuzzy {len(found.fuzzy)}, "
              f"mismatched {len(found.mismatched)}")
        for label, keys in (("missing", found.missing), ("untranslated", found.untranslated),
                            ("fuzzy", found.fuzzy), ("mismatched", found.mismatched)):
            for key in keys:
                print(f"  {label}: {key}")
    return 1 if any(found.blocking for found in report.values()) else 0


def add_account(args) -> int:
    from getpass import getpass

    from geo.auth import ALL_CITIES, add_user
    from geo.layerstore import LayerStore

    cities = tuple(c.strip() for c in args.cities.split(",") if c.strip())
    if args.role == "editor" and not cities:
        print(f"error: say which cities the editor may change: --cities bishkek,osh (or --cities {ALL_CITIES})",
              file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass(f"password for {args.name}: ")
    try:
        name = add_user(LayerStore(), args.name, password, args.role, cities, replace=args.replace)
    except AtlasError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    scope = "every city" if cities == (ALL_CITIES,) else ", ".join(cities)
    print(f"{args.role} {name} saved" + (f" for {scope}" if args.role == "editor" else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
