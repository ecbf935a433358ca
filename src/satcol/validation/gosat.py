"""GOSAT validation against TCCON: match-ups, S23 statistics, leave-one-site-out, OSSE rows.

Someya et al. (2023, AMT 16, 1477; "S23") validate the V03 XCO2 and XCH4 against TCCON
(Sect. 4.3): GOSAT soundings within ±2° (Table 6) or ±0.1° (Table 7) of a site, the TCCON
measurements within ±30 min of the GOSAT time averaged, mixed land/ocean scenes left out, the
differences ΔX = X_GOSAT − X_TCCON summarised per surface and gain (N, bias = mean ΔX, SD);
site biases over the sites with more than 10 match-ups, their mean ("average site bias") and
standard deviation ("site-to-site variability"), the SD of the annual means of ΔX ("temporal
variability") and the least-squares trend of ΔX per decade with its standard error.

This module builds the match-up table (:func:`matchups`, one row per site and sounding,
vectorised per site), the statistics as pandas tables ready for CSV (:func:`category_stats`,
:func:`site_biases`, :func:`summary_stats`, :func:`validation_tables`), the correction of the
match-ups with the MLR of :mod:`satcol.instruments.gosat.mlr` in sample and leave-one-site-out
(:func:`leave_one_site_out`: the regression refitted without the held-out site's soundings,
applied to them), and the OSSE recovery rows against ``synthetic.gosat.truth``
(:func:`recovery_rows`). docs/methods-gosat.md states the choices where S23 leave one open.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from satcol.core import timeutil
from satcol.core.errors import BadInputError
from satcol.core.timeutil import SECONDS_PER_DECADE
from satcol.instruments.gosat import mlr as gosat_mlr

SURFACE_NAMES = {0: "ocean", 1: "land", 2: "mixed"}
_SURFACE_LABELS = np.array(["ocean", "land", "mixed"], dtype=object)
#: S23 Table 6 (±2°): land gain H, land gain M, ocean gain H.
TABLE6 = (("land", "H"), ("land", "M"), ("ocean", "H"))
#: S23 Table 7 (±0.1°): land gain H.
TABLE7 = (("land", "H"),)
#: GOSAT quantities carried into the match-up table (the MLR regressors and what the
#: statistics group by).
CARRIED = ("aot_1p6", "dps_hpa", "albedo_o2a", "land_fraction", "observation_mode")
TCCON_VARIANTS = {"GGG2020": "ggg2020", "GGG2014": "ggg2014"}
UNITS = {"xco2": "ppm", "xch4": "ppb"}


# --- TCCON records ------------------------------------------------------------------------------

def load_tccon(paths, variant: str = "GGG2020", species=("xco2", "xch4")) -> dict:
    """TCCON records by site for the match-ups: ``{site: {"time", "xco2", "xch4", "file"}}``.

    Parameters
    ----------
    paths : iterable of path
        TCCON netCDF files (``{site}YYYYMMDD_YYYYMMDD.public[.qc].nc``).
    variant : {"GGG2020", "GGG2014"}
        The TCCON version the purpose asks for (S23: GGG2020 to validate, GGG2014 to train the
        bias correction); a file of the other version is an error, not silently mixed in.
    species : tuple of str
        Gases needed (``xco2`` in ppm, ``xch4`` in ppb).

    Returns
    -------
    dict
        Per site, time-sorted arrays (time in POSIX s); several files of a site are concatenated.

    Raises
    ------
    satcol.core.errors.BadInputError
        A file of another TCCON version, or one without a needed gas (naming file and field).
    """
    from satcol.validation import tccon as tio

    if variant not in TCCON_VARIANTS:
        raise ValueError(f"TCCON variant {variant!r}: expected one of {sorted(TCCON_VARIANTS)}")
    parts: dict = {}
    for p in paths:
        fmt = tio.file_format(p)
        if fmt != TCCON_VARIANTS[variant]:
            raise BadInputError(p, "wrong_tccon_version", f"file is {fmt}, the match-ups ask for {variant}",
                                "file_format_version")
        # GGG2020: the columns alone (tio.read_xgas); GGG2014 files through the full reader
        rec = tio.read_xgas(p, tuple(g[1:] for g in species)) if fmt == "ggg2020" else tio.read(p)
        for g in species:
            if g not in rec:
                raise BadInputError(p, "missing_variable", f"no {g} in this TCCON file (needed for GOSAT)", g)
        parts.setdefault(rec["site"], []).append({"time": np.asarray(rec["time"], np.float64),
                                                  **{g: np.asarray(rec[g], np.float64) for g in species}})
    out = {}
    for site, recs in parts.items():
        t = np.concatenate([r["time"] for r in recs])
        order = np.argsort(t, kind="stable")
        out[site] = {"time": t[order], **{g: np.concatenate([r[g] for r in recs])[order] for g in species}}
    return out


# --- match-ups ------------------------------------------------------------------------------------

def _text(a) -> np.ndarray:
    a = np.asarray(a)
    return np.char.decode(a, "ascii") if a.dtype.kind == "S" else a.astype(str)


def _window_mean(t_sorted, x, centre, half_s):
    """Mean, SD and count of the finite ``x`` with |t − centre| ≤ half_s (t sorted);
    cumulative sums, so vectorised over all centres."""
    ok = np.isfinite(x)
    t, x = t_sorted[ok], x[ok]
    lo = np.searchsorted(t, centre - half_s, side="left")
    hi = np.searchsorted(t, centre + half_s, side="right")
    c1 = np.concatenate([[0.0], np.cumsum(x)])
    c2 = np.concatenate([[0.0], np.cumsum(x * x)])
    n = (hi - lo).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c1[hi] - c1[lo]) / n
        var = np.maximum((c2[hi] - c2[lo]) - n * mean**2, 0.0) / (n - 1)
    return mean, np.where(n > 1, np.sqrt(var), np.nan), (hi - lo)


def _wrap(dlon):
    return (np.asarray(dlon) + 180.0) % 360.0 - 180.0


def matchups(table: dict, species: str, tccon: dict, sites: pd.DataFrame, box_deg: float = 2.0,
             window_minutes: float = 30.0, rows=None, centre: str = "sounding", overpass_gap_minutes: float = 30.0,
             tccon_variant: str = "GGG2020") -> pd.DataFrame:
    """GOSAT-TCCON match-ups (S23 Sect. 4.3): soundings within ±``box_deg`` in latitude and
    longitude of a site, TCCON averaged within ±``window_minutes`` of each sounding's time (or of
    its overpass's median time), mixed scenes excluded.

    Parameters
    ----------
    table : dict of (n,) arrays
        The canonical GOSAT table (:func:`satcol.instruments.gosat.reader.read_gosat`, files concatenated):
        ``time`` (POSIX s), ``lat``, ``lon`` (deg), ``surface`` (0 ocean, 1 land, 2 mixed),
        ``gain``, ``scan_id``, ``species`` (ppm or ppb) and the MLR regressors.
    species : {"xco2", "xch4"}
    tccon : dict
        :func:`load_tccon`'s records by site id.
    sites : DataFrame
        ``id``, ``lat``, ``lon`` (deg) of the sites (the TCCON site table).
    box_deg : float
        Half-width of the box (S23: 2 for Table 6, 0.1 for Table 7).
    window_minutes : float
        Half-width of the TCCON averaging window (S23: 30).
    rows : (n,) bool, optional
        Soundings eligible (e.g. QC == 0, the post-screened ones).
    centre : {"sounding", "overpass"}
        Window around each sounding (S23) or around the median time of its overpass (soundings
        of one site grouped by gaps > ``overpass_gap_minutes``).
    tccon_variant : str
        Label of the TCCON version used, written to every row.

    Returns
    -------
    DataFrame
        One row per (site, sounding) with at least one TCCON record in the window: ``site``,
        ``row`` (index into ``table``), ``scan_id``, ``time``, ``lat``, ``lon``, ``surface`` (code),
        ``surface_name``, ``gain``, ``x_gosat``, ``x_tccon`` (mean), ``x_tccon_sd``, ``n_tccon``,
        ``delta`` = x_gosat − x_tccon (ppm or ppb), the carried GOSAT quantities, ``box_deg``,
        ``species``, ``tccon_variant``, ``site_distance_deg`` (sounding to site, degrees of arc
        on the sphere) and ``primary``. A sounding near two sites (Caltech and JPL) is one row
        per site; ``primary`` marks one of them, the nearest site's (ties: the site listed first),
        so that the surface statistics and the regression count each sounding once
        (:func:`primary_rows`) while the site statistics keep it at every site.
    """
    from satcol.validation.colocation import overpasses

    if species not in UNITS:
        raise ValueError(f"species {species!r}: expected xco2 or xch4")
    if species not in table:
        raise KeyError(f"the GOSAT table has no {species!r} (a {('CH4' if species == 'xco2' else 'CO2')} product?)")
    lat = np.asarray(table["lat"], np.float64)
    lon = np.asarray(table["lon"], np.float64)
    t = np.asarray(table["time"], np.float64)
    x = np.asarray(table[species], np.float64)
    surface = np.asarray(table["surface"])
    ok = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(t) & np.isfinite(x) & (surface != 2)
    if rows is not None:
        ok &= np.asarray(rows, dtype=bool)
    gain = _text(table["gain"])
    scan_id = _text(table["scan_id"])
    carried = {q: np.asarray(table[q]) for q in CARRIED if q in table}  # converted once, not per site
    half = 60.0 * float(window_minutes)
    frames = []
    for s in sites.itertuples():
        if s.id not in tccon:
            continue
        idx = np.flatnonzero(ok & (np.abs(lat - s.lat) <= box_deg) & (np.abs(_wrap(lon - s.lon)) <= box_deg))
        if idx.size == 0:
            continue
        rec = tccon[s.id]
        if centre == "sounding":
            c = t[idx]
        elif centre == "overpass":
            op, op_time, _ = overpasses(t[idx], 60.0 * overpass_gap_minutes)
            c = op_time[op]
        else:
            raise ValueError(f"centre {centre!r}: expected 'sounding' or 'overpass'")
        mean, sd, n = _window_mean(rec["time"], rec[species], c, half)
        hit = n > 0
        idx, mean, sd, n = idx[hit], mean[hit], sd[hit], n[hit]
        f = pd.DataFrame({"site": s.id, "row": idx, "scan_id": scan_id[idx], "time": t[idx],
                          "lat": lat[idx], "lon": lon[idx], "surface": surface[idx].astype(np.int8),
                          "surface_name": _SURFACE_LABELS[surface[idx].astype(np.int64)],
                          "gain": gain[idx], "x_gosat": x[idx], "x_tccon": mean, "x_tccon_sd": sd,
                          "n_tccon": n.astype(np.int64), "delta": x[idx] - mean,
                          "site_distance_deg": _arc_deg(lat[idx], lon[idx], s.lat, s.lon)})
        for q, v in carried.items():
            f[q] = v[idx]
        frames.append(f)
    cols = ["site", "row", "scan_id", "time", "lat", "lon", "surface", "surface_name", "gain", "x_gosat",
            "x_tccon", "x_tccon_sd", "n_tccon", "delta"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in cols})
    out["box_deg"] = float(box_deg)
    out["primary"] = _nearest_per_sounding(out)
    out["species"] = species
    out["tccon_variant"] = tccon_variant
    return out


def _arc_deg(lat, lon, lat0, lon0) -> np.ndarray:
    """Great-circle distance (degrees of arc) from (lat, lon) to (lat0, lon0), haversine."""
    p, p0 = np.radians(lat), np.radians(lat0)
    h = np.sin(0.5 * (p - p0)) ** 2 + np.cos(p) * np.cos(p0) * np.sin(0.5 * np.radians(_wrap(lon - lon0))) ** 2
    return np.degrees(2.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def _nearest_per_sounding(m: pd.DataFrame) -> np.ndarray:
    """True on the row of each scan ID with the smallest ``site_distance_deg`` (first on ties)."""
    if not len(m):
        return np.zeros(0, bool)
    order = np.lexsort((np.arange(len(m)), m["site_distance_deg"].to_numpy(np.float64), m["scan_id"].to_numpy()))
    first = np.ones(len(m), bool)
    sid = m["scan_id"].to_numpy()[order]
    first[1:] = sid[1:] != sid[:-1]
    out = np.zeros(len(m), bool)
    out[order[first]] = True
    return out


def primary_rows(m: pd.DataFrame) -> np.ndarray:
    """Boolean over the match-ups: one row per sounding (``primary``, :func:`matchups`), all rows
    of a table made without that column."""
    return m["primary"].to_numpy(bool) if "primary" in m else np.ones(len(m), bool)


# --- statistics -------------------------------------------------------------------------------

def _n_mean_sd(v) -> tuple:
    v = np.asarray(v, np.float64)
    v = v[np.isfinite(v)]
    n = v.size
    return n, (float(v.mean()) if n else np.nan), (float(v.std(ddof=1)) if n > 1 else np.nan)


def category_stats(m: pd.DataFrame, value: str = "delta", categories=TABLE6) -> pd.DataFrame:
    """N / bias / SD of ``value`` per (surface, gain) category (S23 Tables 6 and 7).

    bias = mean(ΔX), SD = sample standard deviation (ddof = 1; S23 do not say which) over the
    match-ups of the category, each sounding once (:func:`primary_rows`: a sounding near two
    sites is not counted twice); a category without match-ups gives N = 0 and NaN.

    Returns
    -------
    DataFrame
        ``surface``, ``gain``, ``n``, ``bias``, ``sd`` (unit of ``value``).
    """
    out = []
    one = primary_rows(m)
    for surf, gain in categories:
        sel = (m["surface_name"] == surf).to_numpy() & (m["gain"] == gain).to_numpy() & one
        n, b, sd = _n_mean_sd(m.loc[sel, value])
        out.append({"surface": surf, "gain": gain, "n": n, "bias": b, "sd": sd})
    return pd.DataFrame(out)


def site_biases(m: pd.DataFrame, value: str = "delta", min_matchups: int = 10) -> pd.DataFrame:
    """Per site: N, bias (mean ΔX), SD and ``used`` = N > ``min_matchups`` (S23 Sect. 4.3: "more
    than 10 match-up observations")."""
    rows = []
    for site, g in m.groupby("site", sort=True):
        n, b, sd = _n_mean_sd(g[value])
        rows.append({"site": site, "n": n, "bias": b, "sd": sd, "used": n > min_matchups})
    return pd.DataFrame(rows, columns=["site", "n", "bias", "sd", "used"])


def annual_means(m: pd.DataFrame, value: str = "delta") -> pd.DataFrame:
    """Mean ΔX per calendar year (UTC): ``year``, ``n``, ``mean``."""
    year = pd.to_datetime(m["time"], unit="s").dt.year
    g = m.assign(year=year).groupby("year")[value]
    return pd.DataFrame({"n": g.count(), "mean": g.mean()}).reset_index()


def decadal_trend(time_s, values) -> dict:
    """Least-squares slope of ``values`` against time, per decade, with its standard error
    (S23 Sect. 4.3: "decadal trends of the differences").

    slope = Σ (t − t̄)(y − ȳ) / Σ (t − t̄)², SE = sqrt(s² / Σ (t − t̄)²), s² = RSS / (n − 2);
    times in decades (1 decade = 3652.5 days).

    Returns
    -------
    dict
        ``slope`` and ``se`` (unit of ``values`` per decade), ``n``.
    """
    t = np.asarray(time_s, np.float64) / SECONDS_PER_DECADE
    y = np.asarray(values, np.float64)
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    n = t.size
    if n < 3 or np.ptp(t) == 0:
        return {"slope": np.nan, "se": np.nan, "n": n}
    dt_ = t - t.mean()
    sxx = float(dt_ @ dt_)
    slope = float(dt_ @ (y - y.mean())) / sxx
    r = y - y.mean() - slope * dt_
    return {"slope": slope, "se": float(np.sqrt((r @ r) / (n - 2) / sxx)), "n": n}


def summary_stats(m: pd.DataFrame, value: str = "delta", min_matchups: int = 10) -> dict:
    """S23's site and temporal statistics of one ΔX column: the number of sites with more
    than ``min_matchups`` match-ups, their average site bias and site-to-site SD (ddof = 1),
    the SD of the annual means (ddof = 1) and the decadal trend with its standard error; the
    site statistics list a sounding at every site it matches, the others count it once."""
    sb = site_biases(m, value, min_matchups)
    used = sb.loc[sb["used"], "bias"].to_numpy(np.float64)
    m = m[primary_rows(m)]  # the record-wide statistics count each sounding once
    am = annual_means(m, value)
    tr = decadal_trend(m["time"], m[value])
    return {"n": int(np.isfinite(m[value]).sum()), "bias": float(np.nanmean(m[value])) if len(m) else np.nan,
            "n_sites": int(used.size), "average_site_bias": float(used.mean()) if used.size else np.nan,
            "site_to_site_sd": float(used.std(ddof=1)) if used.size > 1 else np.nan,
            "n_years": int(len(am)), "annual_mean_sd": float(am["mean"].std(ddof=1)) if len(am) > 1 else np.nan,
            "trend_per_decade": tr["slope"], "trend_se_per_decade": tr["se"]}


#: Stages of the validation tables -> ΔX column: before the correction, after it with the
#: regression fitted on these same ±2° match-ups (training-data statistics: every ±0.1° match-up
#: is also a ±2° one), and after it with the regression refitted without the sounding's site
#: (:func:`leave_one_site_out`; the out-of-sample view).
STAGES = {"before": "delta", "after_in_sample": "delta_corr", "after_loso": "delta_loso"}


def validation_tables(m_wide: pd.DataFrame, m_strict: pd.DataFrame, values: dict | None = None,
                      min_matchups: int = 10) -> dict:
    """The S23 validation tables of one species, for each stage of ``values``.

    Parameters
    ----------
    m_wide, m_strict : DataFrame
        Match-ups at ±2° (Table 6) and ±0.1° (Table 7, site and temporal statistics), with the
        ΔX columns of ``values``.
    values : dict
        stage label -> ΔX column, default :data:`STAGES` (those present in both tables):
        ``before``, ``after_in_sample`` (fitted on the ±2° match-ups themselves) and
        ``after_loso`` (leave one site out).

    Returns
    -------
    dict of DataFrame
        ``table6`` and ``table7`` (stage, surface, gain, n, bias, sd), ``sites`` (stage, site, n,
        bias, sd, used; ±0.1°), ``summary`` (one row per stage, :func:`summary_stats` at ±0.1°).
    """
    values = values or {k: v for k, v in STAGES.items() if v in m_wide and v in m_strict}
    out = {"table6": [], "table7": [], "sites": [], "summary": []}
    for stage, col in values.items():
        out["table6"].append(category_stats(m_wide, col, TABLE6).assign(stage=stage, box_deg=2.0))
        out["table7"].append(category_stats(m_strict, col, TABLE7).assign(stage=stage, box_deg=0.1))
        out["sites"].append(site_biases(m_strict, col, min_matchups).assign(stage=stage))
        out["summary"].append(pd.DataFrame([{"stage": stage, **summary_stats(m_strict, col, min_matchups)}]))
    species = str(m_wide["species"].iloc[0]) if len(m_wide) else ""
    return {k: pd.concat(v, ignore_index=True).assign(species=species) for k, v in out.items()}


# --- correction of the match-ups: in sample and leave one site out --------------------------------

def corrected_delta(m: pd.DataFrame, fits: dict) -> np.ndarray:
    """ΔX after the MLR correction: X_corr − X_TCCON with X_corr = X − (c0 + Σ c_k q_k) of each
    match-up's surface (S23 Sect. 4.5); uncorrected where the surface has no fit."""
    return gosat_mlr.correct(m["x_gosat"].to_numpy(np.float64), m, fits) - m["x_tccon"].to_numpy(np.float64)


def loso_training_rows(m: pd.DataFrame, site: str, evaluate: pd.DataFrame | None = None) -> np.ndarray:
    """Boolean over ``m``: the match-ups the regression may be trained on when ``site`` is held
    out: every row whose scan ID is not matched to ``site`` (in ``m`` or in ``evaluate``), so a
    sounding also matched to a neighbouring site (JPL next to Caltech) does not leak in."""
    return _training_rows_by_site(m, evaluate)(site)


def _training_rows_by_site(m: pd.DataFrame, evaluate: pd.DataFrame | None):
    """:func:`loso_training_rows` as a function of the site, with the scan IDs turned into
    integer codes once (one hash pass; np.isin on the strings sorted them for every site)."""
    frames = [m] if evaluate is None else [m, evaluate]
    codes, uniq = pd.factorize(np.concatenate([f["scan_id"].to_numpy() for f in frames]))
    sites = np.concatenate([f["site"].to_numpy() for f in frames])

    def rows(site: str) -> np.ndarray:
        held = np.zeros(len(uniq), dtype=bool)
        held[codes[sites == site]] = True
        return ~held[codes[: len(m)]]

    return rows


def leave_one_site_out(m: pd.DataFrame, terms: dict, species: str, evaluate: pd.DataFrame | None = None,
                       min_matchups: int | None = None) -> tuple[np.ndarray, pd.DataFrame]:
    """Leave-one-site-out ΔX of the corrected product: for each site the MLR is refitted on
    ``m`` without the soundings matched to it (:func:`loso_training_rows`) and applied to that
    site's match-ups of ``evaluate`` (default ``m``).

    Parameters
    ----------
    m : DataFrame
        Training match-ups (:func:`matchups`, the ±2° ones) with ``delta``.
    terms : dict
        One species' entry of :func:`satcol.instruments.gosat.mlr.load_terms`.
    species : str
    evaluate : DataFrame, optional
        Match-ups to evaluate (e.g. the ±0.1° ones); default ``m``.
    min_matchups : int, optional
        ``mlr_min_matchups``: a surface whose training set has fewer usable match-ups is left
        uncorrected, as the product leaves it (:func:`satcol.instruments.gosat.mlr.fit`).

    Returns
    -------
    delta_loso : (len(evaluate),) array
        ΔX of each match-up corrected by the fit that did not see its site (uncorrected where
        the training set is below ``min_matchups``); NaN where no ``min_matchups`` is given and
        the held-out site's surface has too few other match-ups to fit.
    per_site : DataFrame
        ``site``, ``surface``, ``n``, ``bias_before``, ``bias_in_sample``, ``bias_loso``,
        ``n_train`` (0: not fitted).
    """
    ev = m if evaluate is None else evaluate
    one = primary_rows(m)
    fits_all = gosat_mlr.fit(m["delta"].to_numpy(np.float64), m, terms, species, rows=one, min_matchups=min_matchups)
    in_sample = corrected_delta(ev, fits_all)
    delta_ev = ev["delta"].to_numpy(np.float64)
    out = np.full(len(ev), np.nan)
    site = ev["site"].to_numpy()
    surf = ev["surface"].to_numpy()
    x, xt = ev["x_gosat"].to_numpy(np.float64), ev["x_tccon"].to_numpy(np.float64)
    delta_m = m["delta"].to_numpy(np.float64)
    rows = []
    training_rows = _training_rows_by_site(m, None if evaluate is None else ev)
    for s in np.unique(site):
        test = site == s
        train = training_rows(s) & one
        fits = gosat_mlr.fit(delta_m, m, terms, species, rows=train, min_matchups=min_matchups) \
            if min_matchups is not None else None
        for name, code in gosat_mlr.SURFACES.items():
            sel = test & (surf == code)
            if not sel.any():
                continue
            if fits is not None:
                f = fits.get(name)
            else:
                try:
                    f = gosat_mlr.fit_surface(delta_m, m, terms[name], name, species, rows=train)
                except ValueError:
                    f = None
            if f is not None:
                out[sel] = x[sel] - f.predict(ev, sel) - xt[sel]
            elif min_matchups is not None:
                out[sel] = delta_ev[sel]
            rows.append({"site": s, "surface": name, "n": int(sel.sum()), "bias_before": float(delta_ev[sel].mean()),
                         "bias_in_sample": float(in_sample[sel].mean()),
                         "bias_loso": float(np.mean(out[sel])),
                         "n_train": int(f.n) if f is not None else 0})
    return out, pd.DataFrame(rows, columns=["site", "surface", "n", "bias_before", "bias_in_sample", "bias_loso",
                                            "n_train"])


def loso_summary(m: pd.DataFrame, in_sample_col: str = "delta_corr", loso_col: str = "delta_loso") -> pd.DataFrame:
    """In-sample and leave-one-site-out N / bias / SD side by side, per surface and overall, each
    sounding once (:func:`primary_rows`)."""
    rows = []
    m = m[primary_rows(m)]
    for label, sel in (("land", m["surface_name"] == "land"), ("ocean", m["surface_name"] == "ocean"),
                       ("all", np.ones(len(m), bool))):
        n_i, b_i, s_i = _n_mean_sd(m.loc[sel, in_sample_col])
        n_l, b_l, s_l = _n_mean_sd(m.loc[sel, loso_col])
        rows.append({"surface": label, "n_in_sample": n_i, "bias_in_sample": b_i, "sd_in_sample": s_i,
                     "n_loso": n_l, "bias_loso": b_l, "sd_loso": s_l})
    return pd.DataFrame(rows)


# --- OSSE recovery rows ----------------------------------------------------------------------------

#: MLR term -> key of ``synthetic.gosat.truth.<species>_bias_<unit>.<surface>``.
TRUTH_KEYS = {"aot_1p6": "aot", "dps_hpa": "dps_hpa", "albedo_o2a": "albedo", "aot_albedo": "aot_albedo"}
#: Terms of the injected error model that the S23 regression does not have: truth key -> the
#: regressor :func:`add_truth_model_columns` makes for it.
TRUTH_EXTRA_TERMS = {"aot_albedo": "aot_albedo"}


def add_truth_model_columns(m: pd.DataFrame, drift_reference) -> pd.DataFrame:
    """``gain_m`` (1 for gain M), ``decades`` (time since ``drift_reference``, in decades) and
    ``aot_albedo`` (AOT × O2 A albedo, 0 where the albedo is missing as over the ocean): the
    regressors of the injected gain offset, drift and interaction, for :func:`truth_model_fits`."""
    ref = timeutil.day_start_unix(dt.date.fromisoformat(str(drift_reference)))
    out = m.assign(gain_m=(m["gain"] == "M").astype(np.float64),
                   decades=(m["time"].to_numpy(np.float64) - ref) / SECONDS_PER_DECADE)
    if "aot_1p6" in m and "albedo_o2a" in m:
        out["aot_albedo"] = m["aot_1p6"].to_numpy(np.float64) * np.nan_to_num(m["albedo_o2a"].to_numpy(np.float64))
    return out


def truth_model_fits(m: pd.DataFrame, terms: dict, species: str, drift_reference, value: str = "delta",
                     truth: dict | None = None) -> dict:
    """OLS per surface of ΔX on the MLR terms plus the gain-M indicator (land, where gain M is
    observed), the time in decades since ``drift_reference`` and, given ``truth``
    (``synthetic.gosat.truth``), the injected terms the S23 regression lacks
    (:data:`TRUTH_EXTRA_TERMS`: AOT × albedo where the surface's truth has a nonzero
    ``aot_albedo``): the synthetic record's injected error model (synthetic.gosat
    ``injected_bias``), so that the regression coefficients, the gain-M offset and the drift are
    estimated jointly. Without the interaction, the AOT slope absorbs it (about 4 ppm per unit
    times the mean albedo near 0.25: 6.0 for 5 injected on the test record).
    Each sounding counts once (:func:`primary_rows`): a sounding near two sites repeated would
    shrink the standard errors below what the data can tell (default record: 408 ±2° rows of
    349 soundings). ``{"land": MLRFit, "ocean": MLRFit}``; a surface with no more match-ups than
    coefficients is left out (its recovery rows are then reported unscored by :func:`recovery_rows`)."""
    mm = add_truth_model_columns(m, drift_reference)
    coef = (truth or {}).get(f"{species}_bias_{UNITS[species]}", {})
    out = {}
    for name, code in gosat_mlr.SURFACES.items():
        sel = mm["surface"].to_numpy() == code
        extra = ("gain_m",) if name == "land" and mm.loc[sel, "gain_m"].nunique() > 1 else ()
        extra += tuple(col for key, col in TRUTH_EXTRA_TERMS.items()
                       if float((coef.get(name) or {}).get(key, 0.0)) != 0.0 and col in mm and col not in terms[name])
        try:
            out[name] = gosat_mlr.fit_surface(mm[value].to_numpy(np.float64), mm,
                                              tuple(terms[name]) + extra + ("decades",), name, species,
                                              rows=primary_rows(mm))
        except ValueError:
            continue
    return out


def record_bias_vs_truth(x_corrected, surface, x_true, rows=None) -> pd.DataFrame:
    """Mean and standard error of X_corr − X_true per surface over the soundings ``rows`` of the
    whole record (the OSSE view: the correction judged on every sounding, not only at sites)."""
    d = np.asarray(x_corrected, np.float64) - np.asarray(x_true, np.float64)
    surface = np.asarray(surface)
    keep = np.isfinite(d) if rows is None else np.isfinite(d) & np.asarray(rows, bool)
    out = []
    for name, code in gosat_mlr.SURFACES.items():
        v = d[keep & (surface == code)]
        out.append({"surface": name, "n": v.size, "bias": float(v.mean()) if v.size else np.nan,
                    "se": float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else np.nan})
    return pd.DataFrame(out)


def _row(q, injected, recovered, tol, effect, note="", null: bool = False) -> dict:
    """One recovery row; scored only when the tolerance is smaller than the effect checked, or,
    as a null test (``null``: a term injected as 0), whenever the tolerance is finite."""
    injected, recovered, tol = float(injected), float(recovered), float(tol)
    scored = bool(np.isfinite(tol) and (null or tol < abs(float(effect))))
    ok = bool(np.isfinite(recovered) and abs(recovered - injected) <= tol)
    if not scored:
        note = (note + "; " if note else "") + f"not scored: tolerance {tol:.3g} is not smaller than the effect {abs(effect):.3g}"
    return {"quantity": q, "injected": injected, "recovered": recovered, "tolerance": tol, "ok": ok or not scored,
            "scored": scored, "note": note}


def recovery_rows(fits: dict, truth: dict, species: str = "xco2", corrected_bias: pd.DataFrame | None = None,
                  bias_before: dict | None = None, bias_tolerance: float | None = None, k_se: float = 4.0) -> list[dict]:
    """OSSE recovery rows (``gosat_<species>_...``) against ``synthetic.gosat.truth``.

    Parameters
    ----------
    fits : dict
        ``{"land": MLRFit, "ocean": MLRFit}`` of :func:`truth_model_fits` (terms may include
        ``gain_m`` and ``decades``; they become the gain-offset and drift rows).
    truth : dict
        ``synthetic.gosat.truth`` (``<species>_bias_<unit>``, ``<species>_gain_m_offset_<unit>``,
        ``<species>_drift_<unit>_per_decade``).
    corrected_bias : DataFrame, optional
        :func:`record_bias_vs_truth` (or LOSO) biases per surface after the correction; scored
        against 0 with ``bias_tolerance`` (default 0.1 ppm for XCO2, 1 ppb for XCH4).
    bias_before : dict, optional
        Surface -> bias before the correction (the effect the corrected-bias rows must be
        smaller than, and noted).
    k_se : float
        Tolerance of a fitted coefficient in standard errors.

    Returns
    -------
    list of dict
        ``quantity, injected, recovered, tolerance, ok, scored, note``; a row is scored only
        where its tolerance is smaller than the injected effect (else ``scored`` is False, said
        in the note); a term injected as 0 is scored as a null test, |recovered| ≤ ``k_se`` SE.
    """
    unit = UNITS[species]
    coef = truth[f"{species}_bias_{unit}"]
    rows = []
    if fits:  # a surface of the truth that could not be fitted: its coefficients reported, not scored
        for surface in (s for s in gosat_mlr.SURFACES if s in coef and s not in fits):
            for key, inj in coef[surface].items():
                rows.append(_row(f"gosat_{species}_mlr_{surface}_{key}", inj, np.nan, np.nan, inj,
                                 "surface not fitted: too few match-ups for its coefficients"))
    for surface, f in fits.items():
        names = ("intercept",) + tuple(f.terms)
        for name, c, se in zip(names, f.coef, f.se, strict=True):
            if name == "gain_m":
                inj = float(truth.get(f"{species}_gain_m_offset_{unit}", 0.0))
                q = f"gosat_{species}_gain_m_offset_{unit}"
            elif name == "decades":
                if surface != "land":
                    continue
                inj = float(truth.get(f"{species}_drift_{unit}_per_decade", 0.0))
                q = f"gosat_{species}_drift_{unit}_per_decade"
            else:
                key = "intercept" if name == "intercept" else TRUTH_KEYS.get(name, name)
                inj = float(coef[surface].get(key, 0.0))
                q = f"gosat_{species}_mlr_{surface}_{key}"
            null = inj == 0.0
            rows.append(_row(q, inj, c, k_se * se, inj, f"fitted {c:.4g} ± {se:.2g} (1 SE), n = {f.n}; "
                             f"tolerance {k_se:g} SE" + ("; null test: injected as 0" if null else ""), null=null))
    if corrected_bias is not None:
        tol = bias_tolerance if bias_tolerance is not None else (0.1 if species == "xco2" else 1.0)
        for r in corrected_bias.itertuples():
            before = (bias_before or {}).get(r.surface, np.nan)
            rows.append(_row(f"gosat_{species}_{r.surface}_bias_after_correction_{unit}", 0.0, r.bias, tol,
                             before if np.isfinite(before) else np.inf,
                             f"n = {r.n}, SE {r.se:.2g}; bias before correction {before:.3g}"))
    return rows


# --- one species end to end ----------------------------------------------------------------------

def add_corrected_deltas(m_wide: pd.DataFrame, m_strict: pd.DataFrame, fits: dict, terms: dict, species: str,
                         mlr_min_matchups: int | None = None, train: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add ``delta_corr`` (in sample: the regression ``fits``, fitted on the ±2° training
    match-ups) and ``delta_loso`` (the regression refitted on ``train`` without the match-up's
    site) to both match-up tables, in place; both equal ``delta`` where the species is not
    corrected. ``train``: the ±2° match-ups against the training TCCON version when it is not the
    validation's (default ``m_wide``). Returns the per-site LOSO table of the ±2° match-ups
    (:func:`leave_one_site_out`)."""
    for m in (m_wide, m_strict):
        m["delta_corr"] = gosat_mlr.corrected_column(m["x_gosat"].to_numpy(np.float64), m, fits, terms) \
            - m["x_tccon"].to_numpy(np.float64)
    base = m_wide if train is None else train
    m_wide["delta_loso"], loso_sites = leave_one_site_out(base, terms, species, evaluate=None if train is None else m_wide,
                                                          min_matchups=mlr_min_matchups)
    m_strict["delta_loso"], _ = leave_one_site_out(base, terms, species, evaluate=m_strict, min_matchups=mlr_min_matchups)
    if not terms["correct"]:
        for m in (m_wide, m_strict):
            m["delta_loso"] = m["delta"]
    return loso_sites


def validate_species(table: dict, species: str, tccon: dict, sites: pd.DataFrame, terms: dict, rows=None,
                     box_wide: float = 2.0, box_strict: float = 0.1, window_minutes: float = 30.0,
                     centre: str = "sounding", min_matchups: int = 10, tccon_variant: str = "GGG2020",
                     mlr_min_matchups: int | None = None) -> dict:
    """Match-ups, MLR fitted on the wide match-ups, corrected column, S23 tables and LOSO for one
    species (what a workflow rule writes as CSV).

    Parameters
    ----------
    table : dict of (n,) arrays
        Canonical GOSAT table of one product (files concatenated).
    species : {"xco2", "xch4"}
    tccon : dict
        :func:`load_tccon` records of the TCCON version chosen for this purpose.
    sites : DataFrame
        Site table (``id``, ``lat``, ``lon``).
    terms : dict
        The species' entry of :func:`satcol.instruments.gosat.mlr.load_terms` (``correct`` says whether the
        product is corrected; the statistics' ``after`` stage is then the corrected column).
    rows : (n,) bool, optional
        Screened soundings (QC = 0).
    box_wide, box_strict : float
        Half-widths (deg) of the Table 6 and Table 7 boxes (S23: 2 and 0.1).
    mlr_min_matchups : int, optional
        A surface with fewer ±2° match-ups is not fitted and left uncorrected.

    Returns
    -------
    dict
        ``matchups_wide``, ``matchups_strict`` (with ``delta_corr`` and ``delta_loso``), ``fits`` (MLRFit per surface), ``coefficients`` (table), ``x_corrected``
        ((n,) corrected column, ppm or ppb), the four tables of :func:`validation_tables`
        (``table6``, ``table7``, ``sites``, ``summary``), ``loso_sites`` and ``loso_summary``.
    """
    kw = {"tccon": tccon, "sites": sites, "window_minutes": window_minutes, "rows": rows, "centre": centre,
          "tccon_variant": tccon_variant}
    m_wide = matchups(table, species, box_deg=box_wide, **kw)
    m_strict = matchups(table, species, box_deg=box_strict, **kw)
    fits = gosat_mlr.fit(m_wide["delta"].to_numpy(np.float64), m_wide, terms, species, rows=primary_rows(m_wide),
                         min_matchups=mlr_min_matchups)
    loso_sites = add_corrected_deltas(m_wide, m_strict, fits, terms, species, mlr_min_matchups)
    out = {"matchups_wide": m_wide, "matchups_strict": m_strict, "fits": fits,
           "coefficients": gosat_mlr.fits_table(fits),
           "x_corrected": gosat_mlr.corrected_column(table[species], table, fits, terms),
           "loso_sites": loso_sites, "loso_summary": loso_summary(m_wide)}
    out.update(validation_tables(m_wide, m_strict, min_matchups=min_matchups))
    return out
