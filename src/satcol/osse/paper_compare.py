"""The papers' headline numbers beside the same quantities of a run (issue 23 item 2).

The published numbers (H19, S23) live in ``satcol/data/published.yaml``, each with its source in
the paper (section, table, figure) and a section of ``docs/paper-vs-run.md`` that says what it is
and how far the run's number is the same quantity. :data:`RUN_QUANTITIES` computes each run
quantity from the run's outputs: ``results/summary.json``, ``results/mopitt/validation/tccon.json``,
``results/mopitt/validation/days.csv`` (the daily comparison points) and the colocated soundings
(``results/mopitt/colocation/sites/<id>_soundings.parquet``). :func:`build_table` puts the two side by
side; a published number the run does not make keeps its row, with the reason.

On the synthetic default the comparison is informative, not a test (the run recovers what was
injected, e.g. the global scale); on real data it is a user's first check.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

#: Columns of the table, in order.
COLUMNS = ("id", "paper", "quantity", "source", "doc", "published", "published_value", "published_uncertainty",
           "unit", "run_value", "run_uncertainty", "run_minus_published", "status", "run_note", "comparability",
           "run_data")
#: ``status`` values.
COMPARED, NOT_IN_RUN, NOT_RUN = "compared", "not in this run", "not run"
#: Keys every published entry must have.
REQUIRED_KEYS = ("id", "paper", "quantity", "value", "uncertainty", "published", "unit", "source", "doc", "run",
                 "comparability")


def load_published(path=None) -> dict:
    """The published numbers: ``{"papers": {...}, "values": [...]}`` (``published.yaml``).

    Parameters
    ----------
    path : path-like, optional
        Another file of the same layout; default the packaged ``satcol/data/published.yaml``.

    Raises
    ------
    ValueError
        An entry without one of :data:`REQUIRED_KEYS`, without a source, with an unknown paper or
        run quantity, a duplicate id, or a ``doc`` that is not ``docs/paper-vs-run.md#<id>``.
    """
    if path is None:
        text = resources.files("satcol").joinpath("data", "published.yaml").read_text()
        where = "satcol/data/published.yaml"
    else:
        text, where = Path(path).read_text(), str(path)
    data = yaml.safe_load(text)
    seen = set()
    for i, e in enumerate(data["values"]):
        missing = [k for k in REQUIRED_KEYS if k not in e]
        if missing:
            raise ValueError(f"{where}: entry {i + 1} ({e.get('id')}) lacks {', '.join(missing)}")
        if not str(e["source"]).strip():
            raise ValueError(f"{where}: {e['id']}: empty source")
        if e["paper"] not in data["papers"]:
            raise ValueError(f"{where}: {e['id']}: unknown paper {e['paper']!r}")
        if e["run"] is not None and e["run"] not in RUN_QUANTITIES:
            raise ValueError(f"{where}: {e['id']}: unknown run quantity {e['run']!r}")
        if e["run"] is None and not e.get("not_run"):
            raise ValueError(f"{where}: {e['id']}: no run quantity and no not_run reason")
        if e["doc"] != f"docs/paper-vs-run.md#{e['id']}":
            raise ValueError(f"{where}: {e['id']}: doc must be docs/paper-vs-run.md#{e['id']}")
        if e["id"] in seen:
            raise ValueError(f"{where}: duplicate id {e['id']}")
        seen.add(e["id"])
    return data


class RunOutputs:
    """What :data:`RUN_QUANTITIES` read: the summary and validation dicts, the daily comparison
    points and the colocated soundings (DataFrames, possibly empty)."""

    def __init__(self, summary: dict, validation: dict, days: pd.DataFrame | None = None,
                 soundings: pd.DataFrame | None = None, gosat: dict | None = None):
        self.summary = summary
        self.validation = validation
        self.days = days if days is not None else pd.DataFrame()
        self.soundings = soundings if soundings is not None else pd.DataFrame()
        #: GOSAT tables by species (``xco2``/``xch4`` -> {"table6", "table7", "summary",
        #: "corrected"}: the CSVs of results/gosat/validation and the corrected record), or None
        #: when the run has no GOSAT chain.
        self.gosat = gosat


# Each run quantity: RunOutputs -> (value, uncertainty, note); value None when the run does not
# make it (the note says why).

def _sra_note(sra):
    n, regions = sra.get("n_soundings_in_valid_regions"), sra.get("n_valid_regions")
    return f"first SRA: {n} soundings in {regions} valid regions" if n is not None else ""


def _sra_rms(key):
    def f(run):
        sra = run.summary["qc"]["sra"]
        v = sra.get(key)
        return (None, None, "no valid SRA region in the run") if v is None else (float(v), None, _sra_note(sra))
    return f


def _sra_rms_after(mode):
    def f(run):
        filters = run.summary["qc"]["filters"]
        if filters["mode"] != mode:
            return None, None, f"this run's filters: mode {filters['mode']} ({filters['source']})"
        v = run.summary["qc"]["sra"].get("rms_filtered_ppb")
        return (None, None, "no valid SRA region in the run") if v is None else (
            float(v), None, f"filters: {filters['source']}")
    return f


def _daytime_kept_fraction(run):
    qc = run.summary["qc"]
    total, kept = qc["soundings"]["total"], qc["soundings"]["kept"]
    night = qc["counts_per_bit"].get("night", 0)
    day = total - night
    if day <= 0:
        return None, None, "no daytime soundings"
    return kept / day, None, f"{kept} of {day} daytime soundings ({total} ingested)"


def _feature_corrections(run):
    acc = run.summary["qc"]["feature_bias"]["accepted"]
    names = ", ".join(f"{a['candidate']} ({'land' if a['surface'] == 1 else 'water'})" for a in acc)
    return float(len(acc)), None, names or "none accepted"


def _bias_percent(method, variant):
    def f(run):
        fit = run.validation.get(method, {}).get(variant, {})
        sf = fit.get("scale_factor")
        if sf is None or not fit.get("n"):
            return None, None, fit.get("note") or f"no {method} {variant} fit (no colocated days)"
        err = fit.get("scale_factor_err")
        err = None if err is None or not np.isfinite(err) else 100.0 * float(err)
        return 100.0 * (float(sf) - 1.0), err, f"York fit over {fit['n']} daily points, scale factor {sf:.4f}"
    return f


def _drift(run):
    fit = run.validation.get("method_II", {}).get("standard", {})
    d = fit.get("drift", {})
    if d.get("drift_percent_per_year") is None:
        return None, None, d.get("note") or "no drift estimate (too few month x latitude bins)"
    return float(d["drift_percent_per_year"]), float(d["ci_half_width"]), (
        f"Theil-Sen over {d['n_bins']} bins; +- is the 95 % interval's half-width")


def _mean_sd(values, what):
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return None, None, f"fewer than 2 {what}"
    return float(v.mean()), float(v.std(ddof=1)), f"mean +- SD over {v.size} {what}"


def _adjustment(side):
    def f(run):
        cols = (f"method_II_standard_{side}", f"method_0_standard_{side}")
        if not set(cols) <= set(run.days.columns):
            return None, None, "no daily comparison points"
        return _mean_sd(run.days[cols[0]] - run.days[cols[1]], "daily comparison points")
    return f


def _surface_pressure(kind):
    def f(run):
        cols = ("method_0_standard_y", "xgas_profile_at_psurf")
        if not set(cols) <= set(run.soundings.columns):
            return None, None, "no colocated soundings"
        at_tccon, own = run.soundings[cols[0]], run.soundings[cols[1]]
        values = at_tccon / own if kind == "ratio" else at_tccon - own
        return _mean_sd(values, "colocated soundings")
    return f


# --- GOSAT (S23): the chain's validation tables; the run's "before" stage is the V03 product as
# S23 validated it (their Tables 6 and 7 are the product before the bias correction).

_NO_GOSAT = "GOSAT not in this run (instruments.gosat.enabled, or synthetic.gosat outside the run's period)"


def _gosat(run, species, table):
    g = run.gosat or {}
    return g.get(species, {}).get(table)


def _gosat_category(table, species, surface, gain):
    def f(run):
        t = _gosat(run, species, table)
        if t is None:
            return None, None, _NO_GOSAT
        sel = t[(t["stage"] == "before") & (t["surface"] == surface) & (t["gain"] == gain)]
        if sel.empty or not int(sel["n"].iloc[0]):
            return None, None, f"no {surface} gain {gain} match-ups in {table}"
        r = sel.iloc[0]
        return float(r["bias"]), float(r["sd"]), f"before correction; SD in the uncertainty column; N {int(r['n'])}"
    return f


def _gosat_summary(species, column, se_column=None):
    def f(run):
        t = _gosat(run, species, "summary")
        if t is None:
            return None, None, _NO_GOSAT
        r = t[t["stage"] == "before"].iloc[0]
        v = r[column]
        if not np.isfinite(v):
            return None, None, f"{column} not defined for this run ({int(r['n_sites'])} sites, {int(r['n_years'])} years)"
        se = float(r[se_column]) if se_column else None
        return float(v), se, (f"before correction, +-0.1 deg; {int(r['n_sites'])} sites with more than the minimum "
                              f"match-ups, {int(r['n_years'])} years" + ("; +- is 1 SE" if se_column else ""))
    return f


def _gosat_correction_change(surface_code, label):
    def f(run):
        c = _gosat(run, "xco2", "corrected")
        if c is None:
            return None, None, _NO_GOSAT
        from satcol import instruments

        not_fitted = instruments.get("gosat").qc.mask_of("mlr_not_fitted")
        screened = (c["qc"].to_numpy(np.int64) & ~not_fitted) == 0  # kept by the screening
        sel = screened & (c["surface"] == surface_code).to_numpy()
        if not sel.any():
            return None, None, f"no kept {label} soundings"
        if (c["qc"].to_numpy(np.int64)[sel] & not_fitted).all():
            return None, None, (f"{label} not corrected in this run: fewer TCCON match-ups than "
                                "instruments.gosat.validation.mlr_min_matchups (QC bit mlr_not_fitted)")
        change = (c.loc[sel, "xco2_corrected"] - c.loc[sel, "xco2"]).to_numpy(np.float64)
        return float(change.mean()), None, f"mean of X_corrected - X over {int(sel.sum())} kept {label} soundings"
    return f


#: Run quantity name -> function of :class:`RunOutputs` returning (value, uncertainty, note).
RUN_QUANTITIES = {
    "sra_rms_before": _sra_rms("rms_prefiltered_ppb"),
    "sra_rms_after_h19_filters": _sra_rms_after("table"),
    "sra_rms_after_l3_filters": _sra_rms_after("l3"),
    "daytime_kept_fraction": _daytime_kept_fraction,
    "feature_corrections_accepted": _feature_corrections,
    "method_ii_bias_percent": _bias_percent("method_II", "standard"),
    "method_ii_unscaled_bias_percent": _bias_percent("method_II", "unscaled"),
    "method_0_bias_percent": _bias_percent("method_0", "standard"),
    "method_iii_bias_percent": _bias_percent("method_III", "standard"),
    "drift_percent_per_year": _drift,
    "tccon_adjustment_ppb": _adjustment("x"),
    "mopitt_adjustment_ppb": _adjustment("y"),
    "surface_pressure_ratio": _surface_pressure("ratio"),
    "surface_pressure_difference_ppb": _surface_pressure("difference"),
    "gosat_t6_xco2_land_h": _gosat_category("table6", "xco2", "land", "H"),
    "gosat_t6_xco2_ocean_h": _gosat_category("table6", "xco2", "ocean", "H"),
    "gosat_t6_xch4_land_h": _gosat_category("table6", "xch4", "land", "H"),
    "gosat_t7_xco2": _gosat_category("table7", "xco2", "land", "H"),
    "gosat_t7_xch4": _gosat_category("table7", "xch4", "land", "H"),
    "gosat_site_to_site_xco2": _gosat_summary("xco2", "site_to_site_sd"),
    "gosat_site_to_site_xch4": _gosat_summary("xch4", "site_to_site_sd"),
    "gosat_annual_sd_xco2": _gosat_summary("xco2", "annual_mean_sd"),
    "gosat_trend_xco2": _gosat_summary("xco2", "trend_per_decade", "trend_se_per_decade"),
    "gosat_correction_change_ocean": _gosat_correction_change(0, "ocean"),
}


def read_gosat_outputs(paths) -> dict | None:
    """The GOSAT tables :class:`RunOutputs` reads, from the run's files
    (``results/gosat/validation/<species>_{table6,table7,summary}.csv`` and
    ``results/gosat/corrected/<species>.parquet``); None for no files (no GOSAT chain)."""
    out: dict = {}
    for p in map(Path, paths):
        if p.parent.name == "corrected":
            out.setdefault(p.stem, {})["corrected"] = pd.read_parquet(p)
        else:
            species, table = p.stem.split("_", 1)
            out.setdefault(species, {})[table] = pd.read_csv(p)
    return out or None


def build_table(published: dict, run: RunOutputs) -> pd.DataFrame:
    """One row per published number (:func:`load_published`) with the run's value beside it.

    Parameters
    ----------
    published : dict
        ``{"papers": ..., "values": [...]}``.
    run : RunOutputs
        The run's outputs.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: the published number (``published`` as the paper writes it,
        ``published_value``, ``published_uncertainty``, ``unit``, ``source`` in the paper,
        ``doc``), the run's (``run_value``, ``run_uncertainty``, in the same unit;
        ``run_minus_published``), ``status`` (:data:`COMPARED`; :data:`NOT_IN_RUN` where the run
        does not make the number, e.g. L3 filters not applied or no colocated days;
        :data:`NOT_RUN` for an instrument satcol does not process yet), ``run_note`` (how the run
        value was obtained, or why there is none), ``comparability`` and ``run_data``
        ('synthetic' or 'real').
    """
    run_data = "synthetic" if run.summary.get("synthetic") else "real"
    rows = []
    for e in published["values"]:
        row = {k: e[k] for k in ("id", "paper", "quantity", "source", "doc", "published", "unit", "comparability")}
        row.update(published_value=float(e["value"]),
                   published_uncertainty=None if e["uncertainty"] is None else float(e["uncertainty"]),
                   run_value=None, run_uncertainty=None, run_minus_published=None, run_data=run_data)
        if e["run"] is None:
            row.update(status=NOT_RUN, run_note=e["not_run"])
        else:
            value, unc, note = RUN_QUANTITIES[e["run"]](run)
            if value is None:
                row.update(status=NOT_IN_RUN, run_note=note)
            else:
                row.update(status=COMPARED, run_value=value, run_uncertainty=unc,
                           run_minus_published=value - float(e["value"]), run_note=note)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))
