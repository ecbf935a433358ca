"""The QC chain of H19 Sect. 3, one function per workflow stage.

Per-month stages take the canonical store (and earlier per-month outputs) and return per-month
tables and small partial aggregates; global stages reduce the partials. The order follows
H19 (docs/methods.md sect. 8): prefilter -> preliminary pixel bias -> SRA -> filters ->
feature bias -> second SRA without pixel correction -> final pixel bias -> corrected XCO.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satcol import instruments
from satcol.core import binstats
from satcol.core.timeutil import day_start_unix, parse_date
from satcol.instruments.mopitt import feature_bias, filters, pixel_bias, prefilter, sra
from satcol.instruments.mopitt import qc as qcmod
from satcol.instruments.mopitt.filters import field_column

TABLE_COLUMNS = ["sounding_id", "time", "lat", "lon", "pixel", "surface", "sza", "xgas", "xgas_error", "dof",
                 "modis_snow_ice", "qc"]


def unix_seconds(times: pd.Series) -> np.ndarray:
    """POSIX seconds (float64, microsecond-exact over the satellite era) of a UTC time column.

    The same numbers as ``(times - epoch).dt.total_seconds()`` (microseconds / 1e6), without
    pandas' timedelta round trip (issue #7)."""
    us = times.to_numpy(dtype="datetime64[us]")
    out = us.view(np.int64) / 1e6
    nat = np.isnat(us)
    if nat.any():
        out[nat] = np.nan
    return out


def events_s(config) -> list[float]:
    return [day_start_unix(parse_date(e)) for e in config["instrument_events"]]


def check_aligned(a: pd.DataFrame, b: pd.DataFrame, what: str):
    if len(a) != len(b) or not np.array_equal(a["sounding_id"].to_numpy(), b["sounding_id"].to_numpy()):
        raise RuntimeError(f"{what}: sounding order differs from the store; rerun the month from ingest")


#: Store columns the per-month stages read (issue #7: a stage reads only what it needs).
PREFILTER_COLUMNS = ["sounding_id", "time", "qc", "sza", "modis_snow_ice", "surface", "pixel", "xgas", "xgas_error"]
SRA2_COLUMNS = ["sounding_id", "time", "lat", "lon", "surface", "pixel", "xgas", "xgas_error", "dof"]
CORRECT_COLUMNS = ["sounding_id", "time", "surface", "pixel", "xgas"]
#: ... and, with the candidate parameters and the applied filters' fields (:func:`with_fields`):
SRA_COLUMNS = ["sounding_id", "time", "lat", "lon", "surface", "pixel", "xgas", "dof"]
APPLY_FILTERS_COLUMNS = ["sounding_id", "time", "lat", "lon", "surface", "pixel", "xgas", "dof"]


def with_feature_columns(columns: list[str], accepted: list[dict]) -> list[str]:
    """``columns`` plus the parameters of the accepted feature-bias corrections."""
    return columns + sorted({a["candidate"] for a in accepted} - set(columns))


def with_fields(columns: list[str], candidates: dict, filters: list[dict] = ()) -> list[str]:
    """``columns`` plus the candidate parameters (the filter diagnostics and feature-fit
    statistics) and the fields of ``filters``: what :func:`run_sra` (``SRA_COLUMNS``) and
    :func:`run_apply_filters` (``APPLY_FILTERS_COLUMNS``) read of the store."""
    fields = [*candidates, *(f["field"] for f in filters)]
    return list(dict.fromkeys([*columns, *map(field_column, fields)]))


# 1. prefilter (per month) ------------------------------------------------------------------------
def run_prefilter(table: pd.DataFrame, config: dict, origin_s: float):
    mopitt = instruments.get("mopitt")
    qc = mopitt.prefilter(table, config)  # H19 snow/ice prefilter (prefilter.sza_max, snow_ice_min)
    out = pd.DataFrame({"sounding_id": table["sounding_id"].to_numpy(), "qc": qc})
    use = mopitt.qc.passes_prefilter(qc)
    partial = pixel_bias.partial_pixel_means(unix_seconds(table["time"]), table["surface"].to_numpy(),
                                             table["pixel"].to_numpy(), table["xgas"].to_numpy(),
                                             table["xgas_error"].to_numpy(), use, origin_s,
                                             config["pixel_bias"]["preliminary_bin_days"])
    return out, partial


# 2. preliminary pixel bias (global) --------------------------------------------------------------
def run_preliminary_pixel_bias(partials: list[pd.DataFrame], config: dict, origin_s: float) -> dict:
    bin_days = config["pixel_bias"]["preliminary_bin_days"]
    reduced = binstats.reduce(partials, ["tbin", "surface", "pixel"])
    diffs = pixel_bias.pixel_differences(reduced, origin_s, bin_days)
    fits = pixel_bias.fit_trends(diffs, origin_s, split_at_events=False)
    years = pixel_bias.year_offsets(diffs, fits, origin_s) if config["pixel_bias"]["year_offsets"] else pd.DataFrame()
    return {"fits": fits, "year_offsets": years, "diffs": diffs}


# 3. SRA with preliminary pixel correction (per month) -------------------------------------------
def run_sra(table, qc_pre, prelim, config, candidates, origin_s):
    check_aligned(table, qc_pre, "sra")
    s = config["sra"]
    t = unix_seconds(table["time"])
    use = prefilter.passes_prefilter(qc_pre["qc"].to_numpy())
    pc = pixel_bias.evaluate(prelim["fits"], t, table["surface"].to_numpy(), table["pixel"].to_numpy(),
                             origin_s, year_offset=prelim["year_offsets"])
    xco_pc = table["xgas"].to_numpy() - np.nan_to_num(pc)
    region = sra.region_ids(table["lat"].to_numpy(), table["lon"].to_numpy(), t, use, s["lat_size_deg"],
                            s["lon_size_deg"], s["time_window"], s["overpass_gap_minutes"])
    res = sra.small_region_anomalies(xco_pc, table["dof"].to_numpy(), region, s["min_soundings"],
                                     s["min_median_dof"], s["even_median"])
    out = pd.DataFrame({"sounding_id": table["sounding_id"].to_numpy(), "region": res.region,
                        "in_valid_region": res.valid, "preliminary_pixel_correction": pc.astype(np.float32),
                        "anomaly": res.anomaly.astype(np.float32)})
    diag = filters.partial_diagnostics(table, res.anomaly, res.valid, use, candidates)
    a = res.anomaly[res.valid]
    stats = {"n_regions": res.n_regions, "n_valid_regions": res.n_valid_regions,
             "n_in_sra": int(np.count_nonzero(region >= 0)), "n_in_valid": int(a.size), "sumsq": float(np.sum(a * a))}
    return out, diag, stats


# 4. filters (global) ---------------------------------------------------------------------------
def run_filters(diag_partials, config, candidates, table_filters, l3_filters):
    reduced = binstats.reduce(diag_partials, filters.KEYS)
    diag = filters.diagnostics(reduced, candidates, config["filters"]["criteria"])
    derived = filters.derive_thresholds(diag)
    mode = config["filters"]["mode"]
    applied = {"table": table_filters, "derived": derived, "l3": l3_filters}[mode]
    return diag, derived, applied


# 5. apply filters, feature-fit statistics (per month) ------------------------------------------
def filtered_sra(full_table, sra_out, kept, config):
    """The SRA of the soundings kept by the filters (H19 Sect. 3.3-3.4): the same preliminary
    pixel-corrected XCO as the first SRA, regions and medians rebuilt from the kept soundings
    only. Its RMS is H19's filtered RMS (2.55 ppb) and its anomalies are what the feature-bias
    fits see. Returns the :class:`satcol.instruments.mopitt.sra.SRAResult`."""
    s = config["sra"]
    t = unix_seconds(full_table["time"])
    pc = sra_out["preliminary_pixel_correction"].to_numpy().astype(np.float64)
    xco_pc = full_table["xgas"].to_numpy() - np.nan_to_num(pc)
    region = sra.region_ids(full_table["lat"].to_numpy(), full_table["lon"].to_numpy(), t, kept, s["lat_size_deg"],
                            s["lon_size_deg"], s["time_window"], s["overpass_gap_minutes"])
    return sra.small_region_anomalies(xco_pc, full_table["dof"].to_numpy(), region, s["min_soundings"],
                                      s["min_median_dof"], s["even_median"])


def run_apply_filters(full_table, qc_pre, sra_out, applied, candidates, config=None):
    """Apply the filters; the month's feature-fit statistics, filtered SRA RMS and diagnostics.

    ``config`` (its ``sra`` and ``feature_bias`` sections) selects the anomalies:
    ``feature_bias.anomalies: filtered_sra`` (H19) rebuilds the SRA on the kept soundings
    (:func:`filtered_sra`); ``prefilter_sra`` reuses the first SRA's anomalies of the kept
    soundings (regions and medians that still include the soundings the filters removed).
    Without ``config`` (a caller that passes none) the first SRA's anomalies are used and the
    returned stats say so (``anomalies``)."""
    check_aligned(full_table, qc_pre, "apply_filters")
    check_aligned(full_table, sra_out, "apply_filters")
    qc = filters.apply_filters(full_table, applied, qc_pre["qc"].to_numpy())
    kept = qc == 0
    fb = (config or {}).get("feature_bias", {})
    source = fb.get("anomalies", "prefilter_sra") if config is not None else "prefilter_sra"
    if config is None:
        import logging

        logging.getLogger(__name__).warning(
            "run_apply_filters without config: feature-bias fits and the filtered RMS use the first SRA's "
            "anomalies (feature_bias.anomalies: prefilter_sra), not H19's SRA of the filtered soundings")
    if source == "filtered_sra":
        res = filtered_sra(full_table, sra_out, kept, config)
        anomaly, valid = res.anomaly, res.valid
    elif source == "prefilter_sra":
        anomaly = sra_out["anomaly"].to_numpy()
        valid = sra_out["in_valid_region"].to_numpy()
    else:
        raise ValueError(f"feature_bias.anomalies {source!r}: filtered_sra | prefilter_sra")
    stats = feature_bias.partial_stats(full_table, anomaly, kept & valid, candidates, fb.get("fixed_breakpoints"))
    a = anomaly[kept & valid]
    rms = {"n_filtered_in_valid": int(a.size), "sumsq_filtered": float(np.sum(a.astype(np.float64) ** 2)),
           "anomalies": source}
    # (the histogram of all soundings is the first SRA's, not computed again here)
    after = filters.partial_diagnostics(full_table, anomaly, kept & valid, kept, candidates,
                                        kinds=("anomaly", "hist_prefiltered"))
    after = after[after["kind"] != "hist_all"].replace({"kind": {"anomaly": "anomaly_filtered", "hist_prefiltered": "hist_filtered"}})
    return pd.DataFrame({"sounding_id": full_table["sounding_id"].to_numpy(), "qc": qc}), stats, rms, after


# 6. feature bias (global) ----------------------------------------------------------------------
def run_feature_bias(partials, config):
    keys = ["candidate", "surface", "breakpoint"]
    frames = [p for p in partials if len(p)] or list(partials[:1])
    reduced = pd.concat(frames).groupby(keys, as_index=False)[feature_bias.STAT_COLS].sum()
    fits = feature_bias.fit_all(reduced, config["feature_bias"])
    if fits.empty:  # nothing to fit (no kept sounding in a valid region): a table with its header
        fits = pd.DataFrame(columns=["candidate", "surface", "breakpoint", "model", "reduction", "accepted"])
    accepted = fits[fits["accepted"]].to_dict("records") if len(fits) else []
    return fits, accepted


# 7. second SRA on filtered data without pixel correction (per month) ---------------------------
def run_sra2(full_table, qc_filtered, accepted, config, origin_s):
    check_aligned(full_table, qc_filtered, "sra2")
    s = config["sra"]
    t = unix_seconds(full_table["time"])
    kept = qc_filtered["qc"].to_numpy() == 0
    xco_fc = full_table["xgas"].to_numpy() - feature_bias.apply_accepted(full_table, accepted)
    region = sra.region_ids(full_table["lat"].to_numpy(), full_table["lon"].to_numpy(), t, kept, s["lat_size_deg"],
                            s["lon_size_deg"], s["time_window"], s["overpass_gap_minutes"])
    res = sra.small_region_anomalies(xco_fc, full_table["dof"].to_numpy(), region, s["min_soundings"],
                                     s["min_median_dof"], s["even_median"])
    args = (t, full_table["surface"].to_numpy(), full_table["pixel"].to_numpy())
    bin_days = config["pixel_bias"]["final_bin_days"]
    if config["pixel_bias"]["final_estimator"] == "fixed_effects":
        # Every region of the second SRA constrains pixel differences: the fixed-effects model
        # needs no median, so H19's validity rule (>= 10 soundings, median DOF) is not required.
        partial = pixel_bias.partial_fixed_effects(*args, xco_fc, full_table["xgas_error"].to_numpy(),
                                                   region, kept, origin_s, bin_days)
    else:  # H19: mean SRA anomaly per pixel minus the all-pixel mean
        partial = pixel_bias.partial_pixel_means(*args, res.anomaly, full_table["xgas_error"].to_numpy(), res.valid,
                                                 origin_s, bin_days)
    a = res.anomaly[res.valid]
    stats = {"n_valid_regions": res.n_valid_regions, "n_in_valid": int(a.size), "sumsq": float(np.sum(a * a))}
    return partial, stats


# 8. final pixel bias (global) ------------------------------------------------------------------
def run_final_pixel_bias(partials, config, origin_s):
    bin_days = config["pixel_bias"]["final_bin_days"]
    if config["pixel_bias"]["final_estimator"] == "fixed_effects":
        # A record with no kept soundings in any region (e.g. a one-day real sample) has only
        # empty partials: reduce one of them, so that the fits come out empty, not a crash.
        frames = [p for p in partials if len(p)] or list(partials[:1])
        reduced = pd.concat(frames).groupby(["tbin", "surface"], as_index=False).sum()
        diffs = pixel_bias.fixed_effect_differences(reduced, origin_s, bin_days)
    else:
        reduced = binstats.reduce(partials, ["tbin", "surface", "pixel"])
        diffs = pixel_bias.pixel_differences(reduced, origin_s, bin_days)
    fits = pixel_bias.fit_trends(diffs, origin_s, events_s(config), split_at_events=True)
    return fits, diffs


# 9. corrected XCO (per month) ------------------------------------------------------------------
def run_correct(full_table, qc_filtered, accepted, final_fits, config, origin_s):
    check_aligned(full_table, qc_filtered, "correct")
    t = unix_seconds(full_table["time"])
    fcorr = feature_bias.apply_accepted(full_table, accepted)
    pcorr = pixel_bias.evaluate(final_fits, t, full_table["surface"].to_numpy(), full_table["pixel"].to_numpy(),
                                origin_s, events_s(config))
    xco = full_table["xgas"].to_numpy()
    return pd.DataFrame({
        "sounding_id": full_table["sounding_id"].to_numpy(),
        "qc": qc_filtered["qc"].to_numpy().astype(qcmod.QC_DTYPE),
        "xgas": xco,
        "feature_correction": fcorr.astype(np.float32),
        "pixel_correction": pcorr.astype(np.float32),
        "xgas_corrected": (xco - fcorr - pcorr).astype(np.float32),
    })


# --- intermediate artifacts -------------------------------------------------------------------
def save_frames(path, meta: dict | None = None, **frames):
    """Write named DataFrames (and metadata) as one JSON file (small global products)."""
    import json

    from satcol.core.ioutil import write_json

    doc = {"meta": meta or {}, "frames": {k: json.loads(v.to_json(orient="split", index=False)) for k, v in frames.items()}}
    write_json(doc, path, indent=1)


def load_frames(path) -> dict:
    import json

    with open(path) as f:
        doc = json.load(f)
    out = {k: pd.DataFrame(v["data"], columns=v["columns"]) for k, v in doc["frames"].items()}
    out["meta"] = doc["meta"]
    return out


def run_chain(tables: dict[str, pd.DataFrame], config: dict, origin_s: float, candidates: dict,
              filter_tables: dict[str, list[dict]]) -> dict:
    """Run every stage in memory over ``tables`` (month -> canonical sounding table), in the
    same order and with the same functions as the workflow. For notebooks and tests."""
    months = sorted(tables)
    pre = {m: run_prefilter(tables[m], config, origin_s) for m in months}
    prelim = run_preliminary_pixel_bias([pre[m][1] for m in months], config, origin_s)
    first = {m: run_sra(tables[m], pre[m][0], prelim, config, candidates, origin_s) for m in months}
    diag, derived, applied = run_filters([first[m][1] for m in months], config, candidates,
                                         filter_tables["table"], filter_tables["l3"])
    applied_out = {m: run_apply_filters(tables[m], pre[m][0], first[m][0], applied, candidates, config) for m in months}
    feature_fits, accepted = run_feature_bias([applied_out[m][1] for m in months], config)
    second = {m: run_sra2(tables[m], applied_out[m][0], accepted, config, origin_s) for m in months}
    final_fits, final_bins = run_final_pixel_bias([second[m][0] for m in months], config, origin_s)
    corrected = {m: run_correct(tables[m], applied_out[m][0], accepted, final_fits, config, origin_s) for m in months}

    def rms(stats, n_key, ss_key):
        n = sum(s[n_key] for s in stats)
        return float(np.sqrt(sum(s[ss_key] for s in stats) / n)) if n else float("nan")

    return {
        "preliminary": prelim, "diagnostics": diag, "derived_filters": derived, "applied_filters": applied,
        "feature_fits": feature_fits, "accepted": accepted, "final_fits": final_fits, "final_bins": final_bins,
        "corrected": corrected,
        "rms_prefiltered": rms([first[m][2] for m in months], "n_in_valid", "sumsq"),
        "rms_filtered": rms([applied_out[m][2] for m in months], "n_filtered_in_valid", "sumsq_filtered"),
    }
