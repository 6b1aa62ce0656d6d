"""The code's layers, checked as the code changes: the import contracts of pyproject.toml (import-linter), the
core's import graph without a circle (grimp and networkx, an independent reading of the same imports), every
write through geo.writes, and the command line's dossier without Streamlit."""
import ast
import os
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
STORE_WRITES = {"commit", "commit_many", "rollback", "save_dossier", "rollback_dossier", "save_user"}


def test_the_import_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def test_the_core_has_no_circle(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    graph = grimp.build_graph("geo", cache_dir=None)
    imports = nx.DiGraph((module, imported) for module in graph.modules
                         for imported in graph.find_modules_directly_imported_by(module))
    circles = [sorted(c) for c in nx.strongly_connected_components(imports) if len(c) > 1]
    assert not circles, f"modules importing each other in a circle: {circles}"
    assert not any(m.startswith(("components", "pages", "streamlit")) for m in imports.nodes if m != "geo.__main__")


def _store_writes(path: Path) -> list[str]:
    """Calls of the store's write methods in a file, as 'file:line method'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in STORE_WRITES
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id in ("self", "conn", "session"))]


def test_every_write_goes_through_geo_writes():
    """Pages, components and the rest of the core write only by geo.writes, which checks first."""
    files = [p for folder in ("geo", "components", "pages") for p in (ROOT / folder).rglob("*.py")]
    files.append(ROOT / "app.py")
    outside = [w for p in files if p != ROOT / "geo" / "writes.py" for w in _store_writes(p)]
    assert not outside, outside
    assert _store_writes(ROOT / "geo" / "writes.py"), "geo.writes writes"


@pytest.mark.slow
@pytest.mark.browser
def test_the_command_line_dossier_needs_no_streamlit(tmp_path):
    """The one smoke test of `python -m geo` as a process (the others call it in-process): Streamlit made
    unimportable, the dossier is drawn (maps in headless Chromium, charts by kaleido) and written."""
    blocked = ("import runpy, sys; sys.modules['streamlit'] = None; sys.argv = ['geo', *sys.argv[1:]]; "
               "runpy.run_module('geo', run_name='__main__', alter_sys=True)")
    done = subprocess.run([sys.executable, "-c", blocked, "dossier", "--city", "osh", "--lang", "ky",
                           "--format", "docx"], cwd=ROOT, capture_output=True, timeout=300,
                          env={**os.environ, "ATLAS_USER_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout[:2] == b"PK" and len(done.stdout) > 50_000  # a DOCX with its pictures
    assert "Даяр" in done.stderr.decode()  # progress said in the session's language
