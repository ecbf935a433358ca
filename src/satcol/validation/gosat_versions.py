"""GOSAT product versions compared sounding by sounding, and the growth-rate check against in situ
data (Someya et al. 2023, AMT 16, 1477; "S23", Sects. 4.2 and 4.4).

Version comparison (S23 Sect. 4.2, Figs. 5-7): the soundings two product versions share are paired
by scan ID (:func:`satcol.instruments.gosat.reader.match_scan_ids`) and the differences new − old summarised per
surface (N, mean, SD, median, and the least-squares trend of the difference per decade: S23 find
the V03.00 − V02.90/91 XCO2 difference shrinking with time over the ocean, i.e. a larger growth
rate in V03), with the counts of soundings only one version keeps.

Growth-rate check (S23 Sect. 4.4, Figs. 13-14): GOSAT XCO2 (the corrected product) and in situ CO2
are averaged per month in 12° × 12° boxes around the in situ stations; the least-squares trends of
both and of their monthly differences (GOSAT − in situ) are reported per decade with standard
errors, per station and pooled per GOSAT surface (S23 report the ocean difference: V02.90/91
−1.68 ± 0.14, V03.00 0.01 ± 0.15 ppm decade⁻¹). Only the trends are compared: a surface mole
fraction is not a column average (S23 Sect. 4.4).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from satcol.core.errors import BadInputError, ConfigError
from satcol.core.timeutil import SECONDS_PER_DECADE
from satcol.instruments.gosat import mlr as gosat_mlr
from satcol.instruments.gosat import reader as gio
from satcol.validation.gosat import decadal_trend

STATION_COLUMNS = ("id", "name", "lat", "lon", "platform", "setting")
INSITU_COLUMNS = ("station", "year", "month", "co2_ppm")


# --- version comparison -------------------------------------------------------------------------

def pair_versions(table_old: dict, table_new: dict, species: str, rows_old=None, rows_new=None) -> pd.DataFrame:
    """The soundings of two product versions paired by scan ID.

    Parameters
    ----------
    table_old, table_new : dict of (n,) arrays
        Canonical GOSAT tables (:func:`satcol.instruments.gosat.reader.read_gosat`, files concatenated) of the
        older and the newer version.
    species : {"xco2", "xch4"}
    rows_old, rows_new : (n,) bool, optional
        Soundings each version keeps (its own screening); a pair needs both.

    Returns
    -------
    DataFrame
        ``scan_id``, ``time``, ``lat``, ``lon``, ``surface`` (code), ``surface_name``, ``gain``,
        ``x_old``, ``x_new``, ``diff`` = new − old (ppm or ppb), in the order of ``table_old``;
        attributes ``n_old``, ``n_new`` (kept soundings) and ``n_paired``.
    """
    ka = np.ones(len(table_old["time"]), bool) if rows_old is None else np.asarray(rows_old, bool)
    kb = np.ones(len(table_new["time"]), bool) if rows_new is None else np.asarray(rows_new, bool)
    ia_all, ib_all = np.flatnonzero(ka), np.flatnonzero(kb)
    ia, ib = gio.match_scan_ids(np.asarray(table_old["scan_id"])[ia_all], np.asarray(table_new["scan_id"])[ib_all])
    ia, ib = ia_all[ia], ib_all[ib]
    surface = np.asarray(table_new["surface"])[ib]
    gain = np.asarray(table_new["gain"])[ib]
    out = pd.DataFrame({
        "scan_id": np.asarray(table_old["scan_id"])[ia].astype(str),
        "time": np.asarray(table_old["time"], np.float64)[ia],
        "lat": np.asarray(table_old["lat"], np.float64)[ia],
        "lon": np.asarray(table_old["lon"], np.float64)[ia],
        "surface": surface.astype(np.int8),
        "surface_name": pd.Series(surface).map({0: "ocean", 1: "land", 2: "mixed"}).to_numpy(),
        "gain": np.char.decode(gain, "ascii") if gain.dtype.kind == "S" else gain.astype(str),
        "x_old": np.asarray(table_old[species], np.float64)[ia],
        "x_new": np.asarray(table_new[species], np.float64)[ib],
    })
    out["diff"] = out["x_new"] - out["x_old"]
    out.attrs.update({"n_old": int(ka.sum()), "n_new": int(kb.sum()), "n_paired": int(len(out))})
    return out


def version_stats(pairs: pd.DataFrame) -> pd.DataFrame:
    """Statistics of new − old per surface (land, ocean, mixed, all): ``n``, ``mean``, ``sd``
    (ddof = 1), ``median``, ``trend_per_decade`` and ``trend_se_per_decade`` of the difference
    (least squares against time), plus the kept counts of each version (``n_old``, ``n_new``)."""
    rows = []
    for label in ("land", "ocean", "mixed", "all"):
        sel = np.ones(len(pairs), bool) if label == "all" else (pairs["surface_name"] == label).to_numpy()
        d = pairs.loc[sel, "diff"].to_numpy(np.float64)
        d_ok = np.isfinite(d)
        tr = decadal_trend(pairs.loc[sel, "time"], d)
        rows.append({"surface": label, "n": int(d_ok.sum()),
                     "mean": float(d[d_ok].mean()) if d_ok.any() else np.nan,
                     "sd": float(d[d_ok].std(ddof=1)) if d_ok.sum() > 1 else np.nan,
                     "median": float(np.median(d[d_ok])) if d_ok.any() else np.nan,
                     "trend_per_decade": tr["slope"], "trend_se_per_decade": tr["se"]})
    out = pd.DataFrame(rows)
    out["n_old"] = pairs.attrs.get("n_old", np.nan)
    out["n_new"] = pairs.attrs.get("n_new", np.nan)
    return out


# --- in situ stations and monthly values --------------------------------------------------------

def load_stations(path) -> pd.DataFrame:
    """The in situ station table (``config/instruments/gosat/insitu_stations.tsv``): ``id``,
    ``name``, ``lat``, ``lon`` (deg), ``platform``, ``setting``; ConfigError naming the file and
    the column otherwise."""
    path = Path(path)
    try:
        st = pd.read_csv(path, sep="\t", comment="#", dtype={"id": str})
    except (OSError, pd.errors.ParserError) as exc:
        raise ConfigError(f"{path}: cannot read the in situ station table: {exc}") from None
    missing = [c for c in STATION_COLUMNS if c not in st.columns]
    if missing:
        raise ConfigError(f"{path}: station table lacks column(s) {missing}")
    for c in ("lat", "lon"):
        v = pd.to_numeric(st[c], errors="coerce")
        if v.isna().any() or (v.abs() > (90 if c == "lat" else 180)).any():
            raise ConfigError(f"{path}: column {c}: not a valid coordinate for station(s) "
                              f"{list(st.loc[v.isna() | (v.abs() > (90 if c == 'lat' else 180)), 'id'])}")
        st[c] = v
    if st["id"].duplicated().any():
        raise ConfigError(f"{path}: column id: repeated station id(s) {list(st.loc[st['id'].duplicated(), 'id'])}")
    return st


#: NOAA GML's fill value for a month without data in its monthly mean files (ppm).
INSITU_FILL = -999.99


def read_insitu_monthly(path) -> pd.DataFrame:
    """Monthly in situ CO2 (tab-separated ``station, year, month, co2_ppm``; ``#`` comments).
    Adds ``time`` (POSIX s of the middle of the month). An empty ``co2_ppm`` and NOAA's fill
    value −999.99 (:data:`INSITU_FILL`, the missing-month marker of the NOAA GML monthly files)
    are missing (NaN). BadInputError naming the file and the field for a missing column or a
    value that is not a month or a mole fraction."""
    path = Path(path)
    df = pd.read_csv(path, sep="\t", comment="#", dtype={"station": str})
    for c in INSITU_COLUMNS:
        if c not in df.columns:
            raise BadInputError(path, "missing_variable", "in situ monthly table lacks a column", c)
    for c, lo, hi in (("year", 1950, 2100), ("month", 1, 12), ("co2_ppm", 250.0, 600.0)):
        v = pd.to_numeric(df[c], errors="coerce")
        if c == "co2_ppm":
            v = v.mask(np.isclose(v, INSITU_FILL, rtol=0.0, atol=1e-6))
        bad = v.notna() & ((v < lo) | (v > hi)) if c == "co2_ppm" else v.isna() | (v < lo) | (v > hi)
        if bad.any():
            raise BadInputError(path, "out_of_range", f"{int(bad.sum())} value(s) outside {lo}..{hi}", c)
        df[c] = v
    df["time"] = month_mid_time(df["year"].astype(int), df["month"].astype(int))
    return df


def month_mid_time(year, month) -> np.ndarray:
    """POSIX seconds of the middle of each month (the mean of its first and next month's start)."""
    y = np.asarray(year, dtype=np.int64)
    m = np.asarray(month, dtype=np.int64)
    start = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    a = start.astype("datetime64[s]").astype(np.int64).astype(np.float64)
    b = (start + 1).astype("datetime64[s]").astype(np.int64).astype(np.float64)
    return 0.5 * (a + b)


# --- growth-rate check -----------------------------------------------------------------------------

def monthly_box_means(table: dict, x, stations: pd.DataFrame, box_deg: float = 12.0, rows=None) -> pd.DataFrame:
    """Monthly means of ``x`` (the corrected XCO2, ppm) per station, GOSAT surface and month over
    the soundings in the ``box_deg`` × ``box_deg`` box centred on the station (S23 Sect. 4.4).

    Returns
    -------
    DataFrame
        ``station``, ``surface`` (land/ocean), ``year``, ``month``, ``n``, ``x_gosat`` (mean), ``time``
        (middle of the month).
    """
    x = np.asarray(x, np.float64)
    lat = np.asarray(table["lat"], np.float64)
    lon = np.asarray(table["lon"], np.float64)
    surface = np.asarray(table["surface"])
    ok = np.isfinite(x) & (surface != 2)
    if rows is not None:
        ok &= np.asarray(rows, bool)
    months = pd.to_datetime(np.asarray(table["time"], np.float64), unit="s")
    year, month = months.year.to_numpy(), months.month.to_numpy()
    half = 0.5 * box_deg
    frames = []
    for s in stations.itertuples():
        sel = ok & (np.abs(lat - s.lat) <= half) & (np.abs((lon - s.lon + 180.0) % 360.0 - 180.0) <= half)
        if not sel.any():
            continue
        f = pd.DataFrame({"surface": surface[sel], "year": year[sel], "month": month[sel], "x": x[sel]})
        g = f.groupby(["surface", "year", "month"])["x"].agg(["count", "mean"]).reset_index()
        g.insert(0, "station", s.id)
        frames.append(g)
    cols = ["station", "surface", "year", "month", "n", "x_gosat", "time"]
    if not frames:
        return pd.DataFrame({c: [] for c in cols})
    out = pd.concat(frames, ignore_index=True).rename(columns={"count": "n", "mean": "x_gosat"})
    out["surface"] = out["surface"].map({v: k for k, v in gosat_mlr.SURFACES.items()})
    out["time"] = month_mid_time(out["year"], out["month"])
    return out[cols]


def growth_rate_check(gosat_monthly: pd.DataFrame, insitu_monthly: pd.DataFrame, min_months: int = 12) -> dict:
    """Trends of GOSAT and in situ monthly means and of their differences (S23 Sect. 4.4).

    Parameters
    ----------
    gosat_monthly : DataFrame
        :func:`monthly_box_means`.
    insitu_monthly : DataFrame
        ``station``, ``year``, ``month``, ``co2_ppm`` (:func:`read_insitu_monthly` or
        :func:`satcol.synthetic.gosat_insitu.monthly_values`).
    min_months : int
        Months with both values needed for a station's row.

    Returns
    -------
    dict of DataFrame
        ``stations``: per station and GOSAT surface, ``n_months``, ``trend_gosat``,
        ``trend_insitu``, ``trend_difference`` (the trend of GOSAT − in situ) and their standard
        errors (``*_se``), ppm per decade; ``surfaces``: the trend of all paired monthly
        differences of a GOSAT surface pooled over stations (S23 Fig. 13: one regression
        through the scatter of differences), with ``n_stations``. ``pairs``: the paired months.
    """
    ins = insitu_monthly[["station", "year", "month", "co2_ppm"]]
    pairs = gosat_monthly.merge(ins, on=["station", "year", "month"], how="inner")
    pairs["diff"] = pairs["x_gosat"] - pairs["co2_ppm"]
    rows = []
    for (st, surf), g in pairs.groupby(["station", "surface"], sort=True):
        if len(g) < min_months:
            continue
        tg, ti, td = (decadal_trend(g["time"], g[c]) for c in ("x_gosat", "co2_ppm", "diff"))
        rows.append({"station": st, "surface": surf, "n_months": len(g), "trend_gosat": tg["slope"],
                     "trend_gosat_se": tg["se"], "trend_insitu": ti["slope"], "trend_insitu_se": ti["se"],
                     "trend_difference": td["slope"], "trend_difference_se": td["se"]})
    per_station = pd.DataFrame(rows, columns=["station", "surface", "n_months", "trend_gosat", "trend_gosat_se",
                                              "trend_insitu", "trend_insitu_se", "trend_difference",
                                              "trend_difference_se"])
    surf_rows = []
    for surf in ("land", "ocean"):
        used = per_station.loc[per_station["surface"] == surf, "station"]
        g = pairs[(pairs["surface"] == surf) & pairs["station"].isin(used)]
        td = decadal_trend(g["time"], g["diff"])
        surf_rows.append({"surface": surf, "n_stations": int(used.size), "n_months": int(len(g)),
                          "trend_difference": td["slope"], "trend_difference_se": td["se"]})
    return {"stations": per_station, "surfaces": pd.DataFrame(surf_rows), "pairs": pairs}


__all__ = ["pair_versions", "version_stats", "load_stations", "read_insitu_monthly", "month_mid_time",
           "monthly_box_means", "growth_rate_check", "SECONDS_PER_DECADE"]
