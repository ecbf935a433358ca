"""The package layout (docs/design.md, "Layers"): MOPITT field names stay with MOPITT, production
modules do not import the synthetic package, and every file the code cites exists.

Issue 20 acceptance 3 and 4.
"""

import ast

from helpers import REPO

from satcol import instruments
from satcol.instruments.base import CORE_COLUMNS, CORE_PROFILES
from satcol.instruments.gosat import reader as gosat_reader

SRC = REPO / "src" / "satcol"

# --- acceptance 3: MOPITT-specific field names ---------------------------------------------------

#: Where MOPITT field names belong: the instrument's package; the OSSE layer, which simulates
#: MOPITT files (``synthetic/``: the generator, the writer and the scan geometry) and scores the
#: pipeline against the truth it injected into them (``osse/``); and the export's name table
#: (``export.products.NAME_TABLE``, checked in :func:`outside_the_name_table`).
MOPITT_HOMES = ("instruments/mopitt/", "synthetic/", "osse/")
#: Names MOPITT declares that are generic quantities of a retrieval, not MOPITT's own:
#: the number of retrieved levels (the super-observations group on it; any profile retrieval
#: has one).
SHARED_QUANTITIES = {"n_levels"}
#: The export's table from generic names to the species' names (issue 20 item 2): it lists every
#: exported quantity, MOPITT's smoothing error among them.
EXPORT_NAME_TABLE = "export/names.py"


def mopitt_specific_names() -> set[str]:
    """The MOPITT-specific field names, taken from the declarations.

    A name is MOPITT-specific when MOPITT declares it (a diagnostic column of its store table or
    a profile array) and it is none of: the instrument-neutral contract
    (``instruments.base.CORE_COLUMNS``, ``CORE_PROFILES``); a name another built-in instrument
    declares or reads from its product (its columns, diagnostics, profiles and, for GOSAT, the
    reader's ``TABLE_FIELDS``: ``vza``, ``iterations``, ``airmass``, ``chi2`` name quantities
    the shared stages may use); :data:`SHARED_QUANTITIES`.
    """
    mopitt = instruments.get("mopitt")
    mine = set(mopitt.diagnostics) | set(mopitt.profile_vars)
    others = set(gosat_reader.TABLE_FIELDS)
    for name in instruments.available():
        if name != "mopitt":
            inst = instruments.get(name)
            others |= set(inst.columns) | set(inst.diagnostics) | set(inst.profile_vars)
    return mine - set(CORE_COLUMNS) - set(CORE_PROFILES) - others - SHARED_QUANTITIES


def outside_the_name_table(tree: ast.Module) -> list[ast.AST]:
    """The nodes of a module but the assignment of its ``NAME_TABLE``."""
    skip = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "NAME_TABLE" for t in node.targets):
            skip |= {id(n) for n in ast.walk(node)}
    return [n for n in ast.walk(tree) if id(n) not in skip]


def field_name_uses(source: str, names: set[str], name_table: bool = False) -> list[tuple[int, str]]:
    """Where Python source spells one of ``names`` as a field: a string constant equal to the
    name (``table["snr_5a"]``, ``("pixel", ...)``), an attribute (``df.snr_5a``) or a keyword
    argument (``dict(pixel=...)``). Prose in docstrings and comments is not a use.
    ``name_table``: leave out the module's ``NAME_TABLE`` (the export's)."""
    uses = []
    tree = ast.parse(source)
    for node in (outside_the_name_table(tree) if name_table else ast.walk(tree)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
            uses.append((node.lineno, node.value))
        elif isinstance(node, ast.Attribute) and node.attr in names:
            uses.append((node.lineno, node.attr))
        elif isinstance(node, ast.keyword) and node.arg in names:
            uses.append((node.value.lineno, node.arg))
    return uses


def test_the_mopitt_specific_names_are_mopitt_diagnostics():
    names = mopitt_specific_names()
    # spot checks of the rule: MOPITT's own, not the shared ones
    assert {"snr_5a", "modis_snow_ice", "pixel", "stare", "dem", "retrieved_vmr_err"} <= names
    assert not names & {"xco", "psurf", "sza", "vza", "iterations", "airmass", "chi2", "n_levels",
                        "retrieved_vmr", "prior_vmr", "averaging_kernel", "qc"}


def test_no_mopitt_field_name_outside_the_mopitt_modules():
    """Issue 20 acceptance 3. Checked to fail: a function returning ``t["snr_5a"]`` appended to
    ``validation/stats.py`` is reported as ``src/satcol/validation/stats.py:175: snr_5a``
    (and test_the_check_finds_a_mopitt_name_in_a_generic_module plants one in a copy)."""
    names = mopitt_specific_names()
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(MOPITT_HOMES) or rel == EXPORT_NAME_TABLE:
            continue
        for line, name in field_name_uses(path.read_text(), names, name_table=rel == "export/products.py"):
            found.append(f"src/satcol/{rel}:{line}: {name}")
    assert not found, "MOPITT field names outside instruments/mopitt:\n" + "\n".join(found)


def test_the_check_finds_a_mopitt_name_in_a_generic_module():
    source = (SRC / "core" / "binstats.py").read_text()
    assert field_name_uses(source, mopitt_specific_names()) == []
    planted = source + '\n\ndef _snr(table):\n    return table["snr_5a"]\n'
    assert [name for _, name in field_name_uses(planted, mopitt_specific_names())] == ["snr_5a"]


# --- no production module imports the synthetic package -------------------------------------------

#: The OSSE layer: the synthetic record and its scoring may import satcol.synthetic.
OSSE_LAYER = ("synthetic/", "osse/")
#: The synthetic mode's entry points import it inside the function that runs that mode (so that
#: importing them, and every real-data run, never loads it): ``satcol synthesize`` and the run
#: plans of synthetic runs.
SYNTHETIC_MODE_ENTRIES = {"cli/__init__.py", "pipeline/plan.py", "pipeline/gosat.py"}


def production_modules() -> list[tuple[str, str]]:
    """(path relative to src/satcol, dotted name) of every module outside the OSSE layer."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(OSSE_LAYER) or rel.endswith("__main__.py"):
            continue
        dotted = "satcol." + rel[:-3].replace("/", ".")
        out.append((rel, dotted.removesuffix(".__init__")))
    return out


def synthetic_imports(tree: ast.Module, rel: str, top_level_only: bool) -> list[int]:
    """Lines importing satcol.synthetic (absolute or relative) in a module's AST."""
    nodes = ast.iter_child_nodes(tree) if top_level_only else ast.walk(tree)
    pkg = ("satcol." + rel.replace("/", ".")).rsplit(".", 2)[0]
    lines = []
    for node in nodes:
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(pkg.split(".")[: len(pkg.split(".")) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        if any(n == "satcol.synthetic" or n.startswith("satcol.synthetic.") for n in names):
            lines.append(node.lineno)
    return lines


def test_no_production_module_imports_the_synthetic_package():
    """Checked to fail: ``from satcol.synthetic.calendar import parse_date`` (as qcchain had it
    before) at the top of ``instruments/mopitt/qcchain.py`` is reported."""
    found = []
    for rel, _ in production_modules():
        tree = ast.parse((SRC / rel).read_text())
        lines = synthetic_imports(tree, rel, top_level_only=rel in SYNTHETIC_MODE_ENTRIES)
        found += [f"src/satcol/{rel}:{n}" for n in lines]
    assert not found, "production modules importing satcol.synthetic:\n" + "\n".join(found)


def test_importing_the_production_modules_does_not_load_the_synthetic_package():
    import subprocess
    import sys

    names = [d for _, d in production_modules()]
    code = ("import importlib, sys\n"
            f"for n in {names!r}:\n    importlib.import_module(n)\n"
            "print(sorted(m for m in sys.modules if m.startswith('satcol.synthetic')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(REPO / "src")})
    assert out.stdout.strip().splitlines()[-1] == "[]"
