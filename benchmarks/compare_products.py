"""Compare the products of two workflow runs, value by value (issue 20's "numerically identical").

Usage::

    python benchmarks/compare_products.py RUN_A RUN_B [--map maps.yaml] [--rtol 0]

RUN_A and RUN_B are workflow directories (their ``results/`` is compared). Every Parquet table,
CSV table, netCDF file and JSON report under ``results/`` of RUN_A is matched with the same path
under RUN_B (or the path the map's ``paths`` list gives it) and compared:

- Parquet/CSV: every column, values and dtype kind; NaN equals NaN;
- netCDF: every variable and coordinate, values (attributes are not compared: their wording may
  change);
- JSON: every number and string leaf, except provenance (``provenance``, ``satcol_version``,
  ``git_commit``, ``config_hash``, ``created``, ``checksums``, ``sha256``, ``elapsed``, ``path``).

The map (YAML) lets a restructuring rename without hiding a difference::

    paths:                      # regular expression -> replacement, applied to RUN_A's paths
      - ["^store/mopitt/", "mopitt/store/"]
    columns:                    # a column/variable of RUN_A -> its name in RUN_B
      xco: xgas

A column map applies where B has the new name and not the old one (a file whose column kept its
name is compared under that name), so one map serves a rename of some tables but not others.

Logs, benchmarks, figures and the report are skipped. The exit status is 1 when anything differs
or is missing, and the report lists each difference with its largest absolute difference.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

SKIP_DIRS = ("logs", "benchmarks", "figures", "report", "synthetic", "download")
SKIP_KEYS = {"provenance", "satcol_version", "git_commit", "config_hash", "created", "checksums",
             "sha256", "elapsed", "elapsed_s", "path", "paths", "input_checksums", "source_file",
             "history", "date_created", "wall_s", "cpu_s"}


def _values_equal(a, b, rtol):
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        return False, f"shape {a.shape} vs {b.shape}"
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        a = a.astype(float)
        b = b.astype(float)
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        if not np.array_equal(nan_a, nan_b):
            return False, f"NaN pattern differs ({nan_a.sum()} vs {nan_b.sum()})"
        inf_a, inf_b = np.isinf(a), np.isinf(b)
        if not np.array_equal(a[inf_a], b[inf_b]) or not np.array_equal(inf_a, inf_b):
            return False, "infinities differ"
        ok = ~nan_a & ~inf_a
        if not ok.any():
            return True, ""
        diff = np.abs(a[ok] - b[ok])
        tol = rtol * np.abs(b[ok])
        if np.all(diff <= tol):
            return True, ""
        return False, f"max |diff| {diff.max():.6g}"
    if a.dtype.kind == "M" or b.dtype.kind == "M":
        eq = np.array_equal(a.astype("datetime64[ns]"), b.astype("datetime64[ns]"))
        return eq, "" if eq else "times differ"
    na_a, na_b = pd.isna(a), pd.isna(b)
    if not np.array_equal(na_a, na_b):
        return False, f"missing-value pattern differs ({na_a.sum()} vs {na_b.sum()})"
    eq = list(a[~na_a].ravel()) == list(b[~na_b].ravel())
    return bool(eq), "" if eq else "values differ"


def _renamed(columns, names_b):
    """The column map restricted to the renames that B shows: the new name there, the old one not."""
    return {old: new for old, new in columns.items() if new in names_b and old not in names_b}


def _compare_frames(fa, fb, columns, rtol):
    out = []
    fa = fa.rename(columns=_renamed(columns, set(fb.columns)))
    if len(fa) != len(fb):
        return [f"rows {len(fa)} vs {len(fb)}"]
    for c in fa.columns:
        if c not in fb.columns:
            out.append(f"column {c!r} missing in B")
            continue
        eq, why = _values_equal(fa[c].to_numpy(), fb[c].to_numpy(), rtol)
        if not eq:
            out.append(f"column {c!r}: {why}")
    out += [f"column {c!r} new in B" for c in fb.columns if c not in fa.columns]
    return out


def _read_csv(path):
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:  # a table with no rows and no header
        return pd.DataFrame()


def _compare_nc(pa, pb, columns, rtol):
    import xarray as xr

    out = []
    with xr.open_dataset(pa, decode_times=False, mask_and_scale=False) as da, \
            xr.open_dataset(pb, decode_times=False, mask_and_scale=False) as db:
        names_a = list(da.variables)
        columns = _renamed(columns, set(db.variables))
        for v in names_a:
            w = columns.get(v, v)
            if w not in db.variables:
                out.append(f"variable {v!r} missing in B")
                continue
            eq, why = _values_equal(da[v].values, db[w].values, rtol)
            if not eq:
                out.append(f"variable {v!r}: {why}")
        mapped = {columns.get(v, v) for v in names_a}
        out += [f"variable {v!r} new in B" for v in db.variables if v not in mapped]
    return out


def _leaves(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in SKIP_KEYS:
                continue
            yield from _leaves(v, f"{prefix}/{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, f"{prefix}[{i}]")
    else:
        yield prefix, obj


def _compare_json(pa, pb, columns, rtol):
    la = dict(_leaves(json.loads(Path(pa).read_text())))
    lb = dict(_leaves(json.loads(Path(pb).read_text())))
    out = []
    keys_b = {part for k in lb for part in re.split(r"[/\[]", k)}
    for k, va in la.items():
        kb = k
        for old, new in _renamed(columns, keys_b).items():
            kb = re.sub(rf"(?<=/){re.escape(old)}(?=$|/|\[)", new, kb)
        if kb not in lb:
            out.append(f"key {k} missing in B")
        elif isinstance(va, (int, float)) and isinstance(lb[kb], (int, float)) and va is not None:
            eq, why = _values_equal([va], [lb[kb]], rtol)
            if not eq:
                out.append(f"key {k}: {va} vs {lb[kb]}")
        elif va != lb[kb]:
            out.append(f"key {k}: {va!r} vs {lb[kb]!r}")
    return out


def compare(run_a, run_b, maps=None, rtol=0.0):
    """Compare the products of two runs; returns ``{relative path: [differences]}`` (an empty list
    for a file that matches) and the list of B's product files no A file maps to."""
    maps = maps or {}
    path_maps = [(re.compile(p), r) for p, r in maps.get("paths", [])]
    columns = dict(maps.get("columns", {}))
    ra, rb = Path(run_a) / "results", Path(run_b) / "results"
    report, seen = {}, set()
    for pa in sorted(ra.rglob("*")):
        rel = pa.relative_to(ra).as_posix()
        if not pa.is_file() or rel.split("/")[0] in SKIP_DIRS or pa.suffix not in (".parquet", ".csv", ".nc", ".json"):
            continue
        relb = rel
        for pat, rep in path_maps:
            relb = pat.sub(rep, relb)
        pb = rb / relb
        seen.add(relb)
        if not pb.is_file():
            report[rel] = [f"missing in B as {relb}"]
            continue
        if pa.suffix == ".parquet":
            report[rel] = _compare_frames(pd.read_parquet(pa), pd.read_parquet(pb), columns, rtol)
        elif pa.suffix == ".csv":
            report[rel] = _compare_frames(_read_csv(pa), _read_csv(pb), columns, rtol)
        elif pa.suffix == ".nc":
            report[rel] = _compare_nc(pa, pb, columns, rtol)
        else:
            report[rel] = _compare_json(pa, pb, columns, rtol)
    new_in_b = [p.relative_to(rb).as_posix() for p in sorted(rb.rglob("*"))
                if p.is_file() and p.suffix in (".parquet", ".csv", ".nc", ".json")
                and p.relative_to(rb).as_posix().split("/")[0] not in SKIP_DIRS
                and p.relative_to(rb).as_posix() not in seen]
    return report, new_in_b


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_a")
    ap.add_argument("run_b")
    ap.add_argument("--map", help="YAML with 'paths' and 'columns' maps")
    ap.add_argument("--rtol", type=float, default=0.0, help="relative tolerance (default 0: identical)")
    args = ap.parse_args(argv)
    maps = yaml.safe_load(Path(args.map).read_text()) if args.map else {}
    report, new_in_b = compare(args.run_a, args.run_b, maps, args.rtol)
    bad = {k: v for k, v in report.items() if v}
    print(f"{len(report)} product files compared: {len(report) - len(bad)} identical, {len(bad)} differ")
    for k, v in bad.items():
        print(f"  {k}")
        for line in v[:20]:
            print(f"    {line}")
    if new_in_b:
        print(f"{len(new_in_b)} files only in B:")
        for p in new_in_b:
            print(f"  {p}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
