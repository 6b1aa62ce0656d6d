"""Command line: `python -m geo indicators --city CITY [--year YEAR]` writes CSV to stdout;
`python -m geo users add NAME [--cities a,b] [--role editor|viewer] [--password-stdin]` creates an account in
the layer store ($ATLAS_DATABASE_URL, else data/user/atlas.sqlite);
`python -m geo dossier --city CITY --lang kk|ky|ru|en --format pdf|docx > FILE` writes the city's application
dossier (its WHO city health profile for the Kyrgyz cities), as the Application page exports it;
`python -m geo deck --cities a,b [--indicators x,y] [--year YEAR] --lang ru --format pptx|html > FILE` writes a
summit deck as Summit mode takes it away (each city's map and PM2.5 record, each indicator across the cities);
`python -m geo siting --city CITY --kind healthcare --within 1000 --sites 3 > plan.geojson` solves where new
sites bring the most people within reach (exactly, HiGHS);
`python -m geo batch [--cities all|a,b] [--workers N] [--scheduler ADDRESS]` computes and stores every
indicator of the cities on Dask (a local cluster, or the scheduler named by --scheduler or $ATLAS_DASK_SCHEDULER);
`python -m geo i18n status|export-po DIR|import-po DIR` lists untranslated or fuzzy strings per language, copies
the gettext catalogues (data/locale/) out for a translator and checks the ones handed back before taking them."""
from __future__ import annotations

import argparse
import os
import stat
import sys

from geo.cities import all_cities, get_city
from geo.csvsafe import safe_csv
from geo.errors import AtlasError

CSV_COLUMNS = ["indicator_id", "city_id", "year", "value", "unit", "level", "area", "source", "licence", "flags", "note"]


def indicator_csv(values) -> str:
    """A values table as the command line writes it: CSV_COLUMNS, the note in English words, unknown values as
    empty cells (never 0), 15 significant digits (a population of 1,354,435 is not rounded) without binary noise
    such as 0.30000000000000004."""
    from geo.i18n import translate_note

    notes = [translate_note(key, params, "en") if key else "" for key, params in zip(values["note_key"],
                                                                                  values["note_params"])]
    return safe_csv(values.assign(note=notes)[CSV_COLUMNS], float_format="%.15g")


def city_indicator_values(city_id: str, store=None):
    """Every indicator value of a city, all years, from the layer store (imports included) by the same path
    as the pages (geo.batch.store_values, through geo.indicators.city_values); the store is seeded with the
    embedded data on first use."""
    from geo.batch import store_values
    from geo.layerstore import LayerStore

    city = get_city(city_id)
    if store is None:
        store = LayerStore()
        store.seed()
    return store_values(city, store)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1, said in one line otherwise."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def write_stdout(content: bytes) -> int:
    """Write a file to standard output and make sure all of it arrived: a full disk or a closed pipe is an error
    (exit 1, with the reason), never a cut file and exit 0."""
    out = sys.stdout.buffer
    try:
        descriptor = out.fileno()
    except (OSError, ValueError):  # not a file (a test's captured output): nothing to sync
        descriptor = None
    try:
        out.write(content)
        out.flush()
        if descriptor is not None and stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.fsync(descriptor)
    except OSError as error:
        print(f"error: the output could not be written whole ({error.strerror or error})", file=sys.stderr)
        return 1
    return 0


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
    dossier = commands.add_parser("dossier", help="a city's application dossier as PDF or DOCX, to stdout")
    dossier.add_argument("--city", required=True, help="city id, e.g. astana (see data/cities.toml)")
    dossier.add_argument("--lang", default="en", help="kk, ky, ru or en")
    dossier.add_argument("--format", default="pdf", choices=("pdf", "docx"))
    siting = commands.add_parser("siting", help="the sites that bring the most people within reach of a kind of "
                                                "destination, solved exactly (HiGHS), as GeoJSON to stdout")
    siting.add_argument("--city", required=True, help="city id, e.g. almaty (see data/cities.toml)")
    siting.add_argument("--kind", required=True, help="destination kind: healthcare, pharmacy, park, school, "
                                                      "sports or transit")
    siting.add_argument("--within", type=positive_int, default=1000, help="walking distance in metres (default 1000)")
    siting.add_argument("--sites", type=positive_int, default=3, help="how many new sites (default 3)")
    deck = commands.add_parser("deck", help="a summit deck of several cities as PowerPoint or offline HTML, to stdout")
    deck.add_argument("--cities", required=True, help="city ids in slide order, e.g. astana,almaty")
    deck.add_argument("--indicators", default="", help="indicator ids compared across the cities (default: "
                      "PM2.5 annual mean, life expectancy, medical institutions per 10,000)")
    deck.add_argument("--year", type=int, default=None, help="the year compared (default: each indicator's latest "
                      "year the cities share)")
    deck.add_argument("--lang", default="en", help="kk, ky, ru or en")
    deck.add_argument("--format", default="pptx", choices=("pptx", "html"))
    batch = commands.add_parser("batch", help="compute and store every indicator of many cities on Dask")
    batch.add_argument("--cities", default="all", help="'all' (default) or comma-separated city ids")
    batch.add_argument("--workers", type=positive_int, default=2, help="processes of the local Dask cluster (default 2)")
    batch.add_argument("--scheduler", help="address of an existing Dask scheduler (default: $ATLAS_DASK_SCHEDULER, "
                                           "else a local cluster)")
    batch.add_argument("--force", action="store_true", help="recompute cities whose inputs did not change")
    i18n = commands.add_parser("i18n", help="translation catalogue").add_subparsers(dest="action", required=True)
    i18n.add_parser("status", help="per language: missing, untranslated, fuzzy or mismatched strings "
                                   "(exit status 1 if any key is missing or mismatched)")
    for action, text in (("export-po", "copy the catalogues to DIR/atlas.pot and DIR/<lang>/LC_MESSAGES/atlas.po"),
                         ("import-po", "check the .po files of DIR and make them the catalogues (data/locale/)")):
        i18n.add_parser(action, help=text).add_argument("folder")
    args = parser.parse_args(argv)
    if args.command == "users":
        return add_account(args)
    if args.command == "i18n":
        return translation_command(args)
    if args.command == "dossier":
        return dossier_command(args)
    if args.command == "batch":
        return batch_command(args)
    if args.command == "deck":
        return deck_command(args)
    if args.command == "siting":
        return siting_command(args)
    try:
        values = city_indicator_values(args.city)
    except AtlasError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.year is not None:
        values = values[values["year"].isna() | (values["year"] == args.year)]
    return write_stdout(indicator_csv(values).encode("utf-8"))


def siting_command(args) -> int:
    """The best new sites of a city for a destination kind, as a GeoJSON FeatureCollection (WGS84): each site
    with its rank and the people (or sample points) it newly brings within reach; the whole plan, its optimality
    and the sources it rests on in the collection's "atlas" member (geo.siting.plan_geojson, as the page's)."""
    import json

    from geo.access import SITED_TARGETS
    from geo.layerstore import LayerStore
    from geo.siting import MAX_SITES, city_siting, maximal_covering, plan_geojson

    if args.kind not in SITED_TARGETS:
        print(f"error: unknown kind {args.kind!r}; known kinds: {', '.join(SITED_TARGETS)}", file=sys.stderr)
        return 2
    if args.sites > MAX_SITES:
        print(f"error: at most {MAX_SITES} sites per plan", file=sys.stderr)
        return 2
    try:
        city = get_city(args.city)
        store = LayerStore()
        store.seed()
        siting = city_siting(city, args.kind, lambda layer_id: store.read_layer(layer_id, city.id), float(args.within))
        collection = plan_geojson(siting, maximal_covering(siting.problem, args.sites), city.crs)
    except AtlasError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return write_stdout((json.dumps(collection, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def batch_command(args) -> int:
    """Run the network batch, printing progress to stderr and a summary to stdout; exit 1 if any city failed."""
    from geo.batch import run_batch
    from geo.layerstore import LayerStore

    try:
        cities = [c.id for c in all_cities()] if args.cities == "all" else [
            get_city(c.strip()).id for c in args.cities.split(",") if c.strip()]
    except AtlasError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    store = LayerStore()
    store.seed()

    def progress(step) -> None:
        left = "" if step.seconds_left is None else f", about {step.seconds_left:.0f} s left"
        print(f"[{step.done}/{step.total}] {step.city_id}{left}", file=sys.stderr, flush=True)

    try:
        report = run_batch(cities, store, workers=args.workers, scheduler=args.scheduler, progress=progress,
                           force=args.force)
    except AtlasError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"computed {len(report.computed)}, skipped {len(report.skipped)} (inputs unchanged), "
          f"failed {len(report.failed)} in {report.seconds:.1f} s")
    for city_id, reason in sorted(report.failed.items()):
        print(f"failed {city_id}: {reason}")
    return 1 if report.failed else 0


def dossier_command(args) -> int:
    """The dossier exactly as the Application page exports it: the page's own builder draws the maps and charts
    (the one place geo's command line reaches into components/, which holds the map and chart drawing)."""

    from geo.i18n import LANGUAGES

    if args.lang not in LANGUAGES:
        print(f"error: unknown language {args.lang!r}; known languages: {', '.join(LANGUAGES)}", file=sys.stderr)
        return 2
    try:
        get_city(args.city)
    except AtlasError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # The page caches, used here without a running app, would warn "missing ScriptRunContext" on every call.
    from components.dossier_export import dossier_files

    def progress(share: float, text: str) -> None:
        print(f"{share:4.0%} {text}", file=sys.stderr)
    return write_stdout(dossier_files(args.city, args.lang, (args.format,), progress)[args.format])


def deck_command(args) -> int:
    """The summit deck exactly as Summit mode takes it away (components.summit draws its maps and charts)."""

    from geo.i18n import LANGUAGES
    from geo.indicators import INDICATORS

    if args.lang not in LANGUAGES:
        print(f"error: unknown language {args.lang!r}; known languages: {', '.join(LANGUAGES)}", file=sys.stderr)
        return 2
    try:
        cities = tuple(dict.fromkeys(get_city(c.strip()).id for c in args.cities.split(",") if c.strip()))
    except AtlasError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    indicators = tuple(dict.fromkeys(i.strip() for i in args.indicators.split(",") if i.strip()))
    unknown = [i for i in indicators if i not in INDICATORS or INDICATORS[i].level == "district"]
    if unknown or not cities:
        print(f"error: unknown indicator {', '.join(unknown)}" if unknown else "error: name at least one city",
              file=sys.stderr)
        return 2
    from components.deck_export import SEED_INDICATORS, DeckChoice, deck_file
    from components.exports import browser_path

    if browser_path() is None:
        print("error: the deck's maps need Chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    choice = DeckChoice(cities, indicators or SEED_INDICATORS, args.year)
    return write_stdout(deck_file(choice, args.lang, args.format))


def translation_command(args) -> int:
    from pathlib import Path

    from geo.i18n import FUZZY_FLAG, IDENTICAL_FLAG, LANGUAGES, LOCALE_DIR, catalogue, catalogue_marks
    from geo.translations import export_po, import_po, status

    if args.action == "export-po":
        try:
            written = export_po(Path(args.folder))
        except OSError as error:
            print(f"error: the .po files cannot be written to {args.folder}: {error.strerror or error}", file=sys.stderr)
            return 2
        for path in written:
            print(path)
        return 0
    if args.action == "import-po":
        try:
            tables = import_po(Path(args.folder))
        except OSError as error:
            print(f"error: the .po files cannot be read or written: {error.strerror or error}; {LOCALE_DIR} is "
                  "unchanged", file=sys.stderr)
            return 2
        except ValueError as error:  # every problem, one per line; nothing written
            problems = str(error).splitlines()
            for problem in problems:
                print(f"error: {problem}", file=sys.stderr)
            print(f"{len(problems)} problem(s); {LOCALE_DIR} is unchanged", file=sys.stderr)
            return 2
        print(f"{LOCALE_DIR}: " + ", ".join(f"{lang} {len(strings)}" for lang, strings in tables.items()))
        return 0
    marks = catalogue_marks()
    report = status(catalogue(), marks[FUZZY_FLAG], marks[IDENTICAL_FLAG])
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

    from geo.auth import ALL_CITIES
    from geo.layerstore import LayerStore
    from geo.writes import add_user

    cities = tuple(c.strip() for c in args.cities.split(",") if c.strip())
    if args.role == "editor" and not cities:
        print(f"error: say which cities the editor may change: --cities bishkek,osh (or --cities {ALL_CITIES})",
              file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else getpass(f"password for {args.name}: ")
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
