"""Quality filters as data (field, operator, threshold, surface), and their derivation.

Three modes (config ``filters.mode``): ``table`` applies the published thresholds of H19
Table 3 (config/filters/hedelius2019.yaml); ``derived`` derives thresholds from the SRA
diagnostics by H19's criteria; ``l3`` applies the MOPITT L3 product's screening. No
expression is ever evaluated: operators come from a fixed table.
"""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd
import yaml

from satcol.core import binstats
from satcol.core.errors import ConfigError
from satcol.core.store import COLUMNS
from satcol.instruments.mopitt import qc as qcmod

OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}
SURFACE_CODES = {"land": (1,), "water": (0,), "all": (0, 1, 2)}

#: Filter fields (H19 Table 3's vocabulary, the names of the filter QC bits, of the candidates'
#: rows in the diagnostics and of the filter files) that are not the store column of the same
#: name: the XCO error is the canonical ``xgas_error`` column (issue 20 item 2).
FIELD_COLUMNS = {"xco_err": "xgas_error"}


def field_column(field: str) -> str:
    """The store column a filter field or candidate reads (:data:`FIELD_COLUMNS`, else itself)."""
    return FIELD_COLUMNS.get(field, field)


def field_values(df: pd.DataFrame, field: str) -> np.ndarray:
    """The values of filter field or candidate ``field`` in a sounding table (its column's)."""
    return df[field_column(field)].to_numpy()


def validate_filters(filters: list[dict], source: str) -> list[dict]:
    """Check every filter names a known field, operator and surface; ConfigError names it."""
    out = []
    for i, f in enumerate(filters):
        where = f"{source}: filter {i + 1}"
        if not isinstance(f, dict) or set(f) - {"field", "op", "threshold", "surface"} or not {"field", "op", "threshold"} <= set(f):
            raise ConfigError(f"{where}: needs keys field, op, threshold (and optional surface); got {f!r}")
        if field_column(f["field"]) not in COLUMNS or f["field"] in ("sounding_id", "source_file", "source_index", "time", "qc"):
            raise ConfigError(f"{where}: unknown field {f['field']!r}")
        try:
            qcmod.filter_bit(f["field"])
        except KeyError:
            raise ConfigError(f"{where}: field {f['field']!r} has no registered QC bit") from None
        if f["op"] not in OPERATORS:
            raise ConfigError(f"{where}: unknown operator {f['op']!r} (one of {sorted(OPERATORS)})")
        if not isinstance(f["threshold"], (int, float)) or isinstance(f["threshold"], bool):
            raise ConfigError(f"{where}: threshold must be a number, got {f['threshold']!r}")
        surface = f.get("surface", "all")
        if surface not in SURFACE_CODES:
            raise ConfigError(f"{where}: unknown surface {surface!r} (land | water | all)")
        out.append({"field": f["field"], "op": f["op"], "threshold": float(f["threshold"]), "surface": surface})
    return out


def load_filter_file(path) -> list[dict]:
    with open(path) as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict) or not isinstance(data.get("filters"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'filters' list")
    return validate_filters(data["filters"], str(path))


def apply_filters(df: pd.DataFrame, filters: list[dict], qc: np.ndarray) -> np.ndarray:
    """Set the filter bit of each filter's field where the filter excludes a sounding.

    A NaN value never meets a criterion (missing optional fields do not exclude).
    """
    qc = qc.copy()
    surface = df["surface"].to_numpy()
    on_surface = {}  # one mask per surface choice (land, water, all), not one per filter
    for f in filters:
        if f["surface"] not in on_surface:
            on_surface[f["surface"]] = np.isin(surface, SURFACE_CODES[f["surface"]])
        values = field_values(df, f["field"])
        with np.errstate(invalid="ignore"):
            hit = OPERATORS[f["op"]](values, f["threshold"]) & on_surface[f["surface"]]
        qcmod.set_bit(qc, qcmod.filter_bit(f["field"]), hit)
    return qc


def load_candidates(path) -> dict:
    with open(path) as fh:
        data = yaml.safe_load(fh)
    cands = data.get("candidates") if isinstance(data, dict) else None
    if not isinstance(cands, dict):
        raise ConfigError(f"{path}: expected a mapping with 'candidates'")
    for name, c in cands.items():
        if field_column(name) not in COLUMNS:
            raise ConfigError(f"{path}: candidate {name!r} is not a field of the sounding table")
        lo, hi, n = c["bins"]
        if not (hi > lo and int(n) > 0):
            raise ConfigError(f"{path}: candidate {name!r} has bad bins {c['bins']!r}")
    return cands


def partial_diagnostics(df: pd.DataFrame, anomaly, in_sra, prefiltered, candidates: dict,
                        kinds=("anomaly", "hist_all", "hist_prefiltered")) -> pd.DataFrame:
    """Per-month binned statistics for every candidate: anomaly sums per (bin, surface, pixel),
    and histograms of all soundings and of prefiltered ones (H19 Fig. 3). ``kinds``: which of
    the three to compute (rows in that order per candidate)."""
    # Issue 22: the rows of each subset (and the anomalies of the first, with their squares)
    # are picked once for all candidates, and the result is one frame built at the end, instead
    # of 3 boolean selections and 3 small frames per candidate. The same groups, order and sums
    # as binstats.partial_subsets (which is what the loop below does per candidate), bit for bit.
    all_kinds = ("anomaly", "hist_all", "hist_prefiltered")
    kinds = [k for k in all_kinds if k in kinds]
    surface_pixel = binstats.PackedKeys.of({"surface": df["surface"].to_numpy(), "pixel": df["pixel"].to_numpy()})
    a = np.asarray(anomaly, dtype=np.float64)
    sra_rows = np.flatnonzero(np.asarray(in_sra, dtype=bool) & np.isfinite(a))
    subset = {"anomaly": (sra_rows, a[sra_rows]), "hist_all": (None, None),
              "hist_prefiltered": (np.flatnonzero(np.asarray(prefiltered, dtype=bool)), None)}
    if "anomaly" in kinds:  # squared once for all candidates (binstats._dense_sums squares per call)
        subset["anomaly"] += (subset["anomaly"][1] * subset["anomaly"][1],)
    tail = None if surface_pixel.code is None else int(np.prod(np.array(surface_pixel.spans, dtype=np.int64)))
    cols = {k: [] for k in ("bin", "surface", "pixel", "n", "sum", "sumsq")}
    labels = []
    for name, c in candidates.items():
        lo, hi, n = c["bins"]
        b = binstats.bin_index(field_values(df, name), lo, hi, int(n))
        # The bin (-2..n) in front of (surface, pixel) in the packed code, in place; the bin's
        # range is that of bin_index, not the month's: the same groups in the same order.
        lows = spans = None
        if tail is not None and b.size and float(int(n) + 3) * float(tail) < 2.0**62:
            lows, spans = [-2, *surface_pixel.lows], [int(n) + 3, *surface_pixel.spans]
        if lows is None or not binstats._dense(b, spans):
            subsets = {"anomaly": (in_sra, anomaly), "hist_all": (slice(None), None), "hist_prefiltered": (prefiltered, None)}
            frames = binstats.partial_subsets(surface_pixel.prepend("bin", b), [subsets[k] for k in kinds])
            for kind, p in zip(kinds, frames, strict=True):
                for k in cols:
                    cols[k].append(p[k].to_numpy())
                labels.append((name, kind, len(p)))
            continue
        b += 2
        b *= tail
        b += surface_pixel.code
        size = int(np.prod(np.array(spans, dtype=np.int64)))
        for kind in kinds:
            rows, v, v2 = (subset[kind] + (None,))[:3]
            code = b if rows is None else b[rows]
            counts = np.bincount(code, minlength=size)
            present = np.flatnonzero(counts)
            for k, u in zip(("bin", "surface", "pixel"), binstats._unpack(present, lows, spans), strict=True):
                cols[k].append(u)
            nn = counts[present].astype(np.float64)
            cols["n"].append(nn)
            if v is None:
                cols["sum"].append(nn)
                cols["sumsq"].append(nn)
            else:
                cols["sum"].append(np.bincount(code, v, minlength=size)[present])
                cols["sumsq"].append(np.bincount(code, v2, minlength=size)[present])
            labels.append((name, kind, present.size))
    out = {k: np.concatenate(v) if v else np.zeros(0, np.int64 if k in ("bin", "surface", "pixel") else np.float64)
           for k, v in cols.items()}
    out["sw"] = out["n"].copy()  # unit weights: sw = n and swx = sum exactly (binstats._dense_sums)
    out["swx"] = out["sum"].copy()
    out["candidate"] = np.repeat(np.array([c for c, _, _ in labels], dtype=object), [m for _, _, m in labels])
    out["kind"] = np.repeat(np.array([k for _, k, _ in labels], dtype=object), [m for _, _, m in labels])
    return pd.DataFrame(out)


KEYS = ["candidate", "kind", "bin", "surface", "pixel"]


def diagnostics(reduced: pd.DataFrame, candidates: dict, criteria: dict) -> pd.DataFrame:
    """Per candidate x surface x bin: overall mean and RMS of anomalies, pixel means and spread,
    counts, and whether the bin meets any of H19's flag criteria (|mean| > 2 ppb, RMS > 6 ppb,
    pixel spread > 5 ppb; >= 2000 points overall, >= 300 per pixel; Sect. 3.3, Fig. 3)."""
    a = reduced[reduced["kind"] == "anomaly"]
    overall = a.groupby(["candidate", "surface", "bin"], as_index=False)[["n", "sum", "sumsq"]].sum()
    overall["mean"] = overall["sum"] / overall["n"]
    overall["rms"] = np.sqrt(overall["sumsq"] / overall["n"])
    pm = a.assign(pmean=a["sum"] / a["n"])
    pm = pm[pm["n"] >= criteria["min_count_pixel"]]
    wide = pm.pivot_table(index=["candidate", "surface", "bin"], columns="pixel", values="pmean")
    wide.columns = [f"pixel{int(c)}_mean" for c in wide.columns]
    spread = (wide.max(axis=1) - wide.min(axis=1)).where(wide.notna().sum(axis=1) >= 2)
    out = overall.merge(wide.reset_index(), on=["candidate", "surface", "bin"], how="left")
    out = out.merge(spread.rename("pixel_spread").reset_index(), on=["candidate", "surface", "bin"], how="left")
    for kind in ("hist_all", "hist_prefiltered"):
        h = reduced[reduced["kind"] == kind].groupby(["candidate", "surface", "bin"], as_index=False)["n"].sum()
        out = out.merge(h.rename(columns={"n": kind}), on=["candidate", "surface", "bin"], how="outer")
    out["evaluable"] = out["n"] >= criteria["min_count"]
    out["flagged"] = out["evaluable"] & (
        (out["mean"].abs() > criteria["max_abs_mean"]) | (out["rms"] > criteria["max_rms"])
        | (out["pixel_spread"].fillna(0) > criteria["max_pixel_spread"]))
    lo = out["candidate"].map(lambda c: candidates[c]["bins"][0])
    hi = out["candidate"].map(lambda c: candidates[c]["bins"][1])
    nb = out["candidate"].map(lambda c: candidates[c]["bins"][2])
    width = (hi - lo) / nb
    out["bin_lo"] = np.where(out["bin"] < 0, -np.inf, lo + out["bin"].clip(lower=0) * width)
    out["bin_hi"] = np.where(out["bin"] >= nb, np.inf, lo + (out["bin"] + 1) * width)
    return out.sort_values(["candidate", "surface", "bin"]).reset_index(drop=True)


def derive_thresholds(diag: pd.DataFrame, exclude=("sza", "modis_snow_ice")) -> list[dict]:
    """Thresholds from the diagnostics: flagged bins contiguous from either end of a candidate's
    range (among evaluable bins) are cut off at the edge of the first unflagged bin.

    ``exclude``: candidates already handled by the prefilter.
    """
    out = []
    d = diag[(diag["bin"] >= 0) & diag["evaluable"] & diag["surface"].isin([0, 1])]
    for (cand, surf), g in d.groupby(["candidate", "surface"]):
        if cand in exclude:
            continue
        g = g.sort_values("bin")
        flags = g["flagged"].to_numpy()
        surface = "land" if surf == 1 else "water"
        if flags.all() or not flags.any():
            continue
        k = int(np.argmax(~flags))  # first unflagged from the low end
        if k > 0:
            out.append({"field": cand, "op": "<", "threshold": float(g["bin_lo"].to_numpy()[k]), "surface": surface})
        k2 = int(np.argmax(~flags[::-1]))
        if k2 > 0:
            out.append({"field": cand, "op": ">=", "threshold": float(g["bin_hi"].to_numpy()[::-1][k2]), "surface": surface})
    return out
