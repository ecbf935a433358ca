"""MOPITT-TCCON colocation (H19 Sect. 4.1 and App. A).

Map (per month): kept, corrected soundings inside any site's coincidence box, found with a
1-degree grid index (sort once, then one contiguous slice per grid row of each box), written
with their profiles. Reduce (per site): group the site's candidates into overpasses by time gaps (at full density
the boxes poleward of 60 degrees see 2-5 overpasses a day, up to 6.5 h apart), average the
TCCON measurements within +-``window_minutes`` of each overpass (its median sounding time),
apply the comparison methods to every sounding against its own overpass's window, then average
per UTC day and surface with 1/err^2 weights and the Gatz-Smith standard error (H19 Eqs.
A2-A3), as H19 Sect. 4.1 compare days. An overpass belongs to the UTC day of its overpass time,
also when its soundings straddle 00 UTC (Lauder). Land and water stay apart. Every sounding keeps
its overpass time and TCCON record range, every day the range of its TCCON records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satcol.core.sites import read_site_table as load_sites  # noqa: F401 (the site-table reader, one definition)
from satcol.core.store import check_store_order, read_soundings
from satcol.validation import akcompare as comparison
from satcol.validation import regrid as columns
from satcol.validation import stats

CELL_DEG = 1.0
METHODS = ("method_0", "method_II", "method_III")
VARIANTS = ("standard", "unscaled")


# --- spatial index --------------------------------------------------------------------------------
class GridIndex:
    """Soundings sorted by 1-degree cell; box queries read only the cells the box touches."""

    def __init__(self, lat, lon, cell=CELL_DEG):
        self.lat = np.asarray(lat, dtype=np.float64)
        self.lon = np.asarray(lon, dtype=np.float64)
        self.cell = cell
        self.n_lon = int(round(360.0 / cell))
        key = self._row(self.lat) * self.n_lon + self._col(self.lon)
        self.order = np.argsort(key, kind="stable")
        self.keys = key[self.order]

    def _row(self, lat):
        return np.floor((np.asarray(lat) + 90.0) / self.cell).astype(np.int64)

    def _col(self, lon):
        return np.clip(np.floor((np.asarray(lon) + 180.0) / self.cell).astype(np.int64), 0, self.n_lon - 1)

    def query(self, lat_min, lat_max, lon_min, lon_max) -> np.ndarray:
        """Indices (ascending) of the points with lat_min <= lat <= lat_max and
        lon_min <= lon <= lon_max."""
        c0, c1 = int(self._col(lon_min)), int(self._col(lon_max))
        parts = []
        for r in range(int(self._row(lat_min)), int(self._row(lat_max)) + 1):
            lo = np.searchsorted(self.keys, r * self.n_lon + c0, side="left")
            hi = np.searchsorted(self.keys, r * self.n_lon + c1, side="right")
            parts.append(self.order[lo:hi])
        idx = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        la, lo_ = self.lat[idx], self.lon[idx]
        inside = (la >= lat_min) & (la <= lat_max) & (lo_ >= lon_min) & (lo_ <= lon_max)
        return idx[inside]


def candidates(lat, lon, kept, sites: pd.DataFrame) -> pd.DataFrame:
    """(site, row) pairs: kept soundings inside each site's coincidence box."""
    rows = np.flatnonzero(np.asarray(kept, dtype=bool))
    index = GridIndex(np.asarray(lat)[rows], np.asarray(lon)[rows])
    out = []
    for s in sites.itertuples():
        hit = rows[index.query(s.box_lat_min, s.box_lat_max, s.box_lon_min, s.box_lon_max)]
        out.append(pd.DataFrame({"site": s.id, "row": hit}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame({"site": [], "row": []})


# --- TCCON window averages ------------------------------------------------------------------------
def window_ranges(tccon_time_s, centre_s, half_window_s):
    """[start, stop) of the (time-sorted) TCCON records within +-half_window of each centre."""
    t = np.asarray(tccon_time_s, dtype=np.float64)
    c = np.asarray(centre_s, dtype=np.float64)
    return np.searchsorted(t, c - half_window_s, side="left"), np.searchsorted(t, c + half_window_s, side="right")


def _range_sum(cum, start, stop):
    return cum[stop] - cum[start]


def _cumsum0(a):
    a = np.asarray(a, dtype=np.float64)
    return np.concatenate([np.zeros((1,) + a.shape[1:]), np.cumsum(a, axis=0)])


def tccon_window_means(tccon: dict, start, stop) -> dict:
    """1/err^2-weighted means over each window [start, stop) of XCO (public and unscaled), with
    the Gatz-Smith SEM (H19 Eq. A3; the record's own error when one record), and plain means of
    surface pressure, prior and AK. Vectorised over windows with cumulative sums. Empty windows
    give NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _tccon_window_means(tccon, np.asarray(start), np.asarray(stop))


def _tccon_window_means(tccon: dict, start, stop) -> dict:
    w = 1.0 / np.asarray(tccon["xgas_error"], dtype=np.float64) ** 2
    n = (stop - start).astype(np.float64)
    sw = _range_sum(_cumsum0(w), start, stop)
    sw2 = _range_sum(_cumsum0(w * w), start, stop)
    out = {"n_tccon": (stop - start).astype(np.int64)}
    for name in ("xgas", "xgas_unscaled"):
        y = np.asarray(tccon[name], dtype=np.float64)
        mean = _range_sum(_cumsum0(w * y), start, stop) / sw
        s2y = _range_sum(_cumsum0(w * w * y), start, stop)
        s2yy = _range_sum(_cumsum0(w * w * y * y), start, stop)
        dev2 = np.maximum(s2yy - 2 * mean * s2y + mean**2 * sw2, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sem = np.where(n > 1, np.sqrt(n / np.maximum(n - 1, 1) * dev2 / sw**2), 1.0 / np.sqrt(sw))
        out[name] = mean
        out[name + "_sem"] = sem
    for name in ("pout", "prior_gas", "prior_pressure", "ak", "integration_operator"):
        if name not in tccon:  # the integration operator: GGG2020 stores only
            continue
        a = np.asarray(tccon[name], dtype=np.float64)
        out[name] = _range_sum(_cumsum0(a), start, stop) / (n if a.ndim == 1 else n[:, None])
    return out


# --- per-site reduction -----------------------------------------------------------------------------
def overpasses(time_s, gap_s):
    """Group a site's soundings into overpasses by time gaps.

    Sorted by time, a gap longer than ``gap_s`` (s) starts a new overpass. Returns
    ``(overpass, overpass_time_s, overpass_day)``: the overpass index (0..K-1, in time order) of
    each sounding, and per overpass its time (the median sounding time; the lower median for an
    even count) and its UTC day (days since 1970-01-01) of that time. An overpass whose soundings
    straddle 00 UTC (Lauder's morning overpass is near 23 UTC) stays one overpass and belongs to
    the UTC day of its overpass time.
    """
    t = np.asarray(time_s, dtype=np.float64)
    if not np.all(np.isfinite(t)):
        raise ValueError(f"{np.count_nonzero(~np.isfinite(t))} candidate sounding time(s) are not finite")
    order = np.argsort(t, kind="stable")
    ts = t[order]
    new = np.r_[True, np.diff(ts) > gap_s] if t.size else np.zeros(0, dtype=bool)
    idx = np.empty(t.size, dtype=np.int64)
    idx[order] = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    count = np.diff(np.r_[first, t.size])
    time = ts[first + (count - 1) // 2]
    return idx, time, np.floor(time / 86400.0).astype(np.int64)


def colocate_site(cand: dict, tccon: dict, window_minutes=30.0, exact=True, overpass_gap_minutes=30.0,
                  instrument=None):
    """Compare one site's candidate soundings with its TCCON record (H19 Sect. 4.1, App. A).

    The candidates are grouped into overpasses (:func:`overpasses`, gap ``overpass_gap_minutes``);
    the TCCON records within +-``window_minutes`` of each overpass time are averaged, and each
    sounding is compared with the window of its own overpass. Then, per UTC day (of the overpass
    time) and surface, the 1/err^2-weighted means (H19 Eq. A2) of both sides over every
    sounding of the day's overpasses; the MOPITT side's error is the Gatz-Smith SEM (Eq. A3),
    the TCCON side's the SEM of that weighted mean of window means,
    sqrt(sum_k (W_k / W)^2 sem_k^2), with W_k the soundings' weight in overpass k.

    ``cand``: arrays per candidate sounding (sounding_id, time_s, surface, xgas, xgas_corrected,
    xgas_error, psurf, retrieved_vmr (n, 10), prior_vmr (n, 10), averaging_kernel (n, 10, 10)).
    ``tccon``: the site store as arrays, time-sorted (:func:`read_tccon_store`: time_s, xgas,
    xgas_error, xgas_unscaled, pout, prior_gas, prior_pressure (obs, L), ak (obs, M),
    ak_pressure (M)).
    Returns (soundings, days, counts): per-sounding comparison table (with its overpass time and
    TCCON record range), per day x surface averages, and the accounting of candidates.

    ``instrument``: whose candidates (default MOPITT); the soundings table carries its
    footprint column, if it has one, and the kernel algebra follows its state space
    (``instrument.grid.state_space``): ``log10_vmr`` the MOPITT algebra above (method II by
    :func:`satcol.validation.akcompare.method_ii`); ``vmr`` with level pressures of its own in
    the candidates (``cand["pressure"]``) the linear column form of
    :func:`satcol.validation.akcompare.vmr_methods` on those levels, ``exact`` unused.
    """
    inst = _instrument(instrument)
    fp = inst.footprints
    t = np.asarray(cand["time_s"], dtype=np.float64)
    n_cand = t.size
    op, op_time, op_day = overpasses(t, 60.0 * overpass_gap_minutes)
    start, stop = window_ranges(tccon["time_s"], op_time, 60.0 * window_minutes)
    has = stop > start
    day_has = pd.Series(has).groupby(op_day).any()
    counts = {"candidates": int(n_cand), "days_with_candidates": int(day_has.size),
              "overpasses_with_candidates": int(op_time.size),
              "days_without_tccon_in_window": int(np.count_nonzero(~day_has.to_numpy())),
              "overpasses_without_tccon_in_window": int(np.count_nonzero(~has))}
    keep = has[op]
    counts["soundings_without_tccon"] = int(np.count_nonzero(~keep))
    if not keep.any():
        counts.update(soundings_compared=0, days_compared=0, overpasses_compared=0, day_surface_points=0)
        return pd.DataFrame(), pd.DataFrame(), counts
    sel = np.flatnonzero(keep)
    osel = np.flatnonzero(has)
    tw = tccon_window_means(tccon, start[osel], stop[osel])
    remap = np.full(op_time.size, -1)
    remap[osel] = np.arange(osel.size)
    k = remap[op[sel]]  # window index of each kept sounding

    ratio = np.asarray(cand["xgas_corrected"], dtype=np.float64)[sel] / np.asarray(cand["xgas"], dtype=np.float64)[sel]
    x_hat = np.asarray(cand["retrieved_vmr"], dtype=np.float64)[sel] * ratio[:, None]  # corrections carried to the profile [V]
    x_a = np.asarray(cand["prior_vmr"], dtype=np.float64)[sel]
    A = np.asarray(cand["averaging_kernel"], dtype=np.float64)[sel]
    psurf = np.asarray(cand["psurf"], dtype=np.float64)[sel]
    p_t = tw["pout"][k]
    p_prior, x_prior, ak = tw["prior_pressure"][k], tw["prior_gas"][k], tw["ak"][k]
    p_ak = np.broadcast_to(np.asarray(tccon["ak_pressure"], dtype=np.float64), ak.shape)
    # GGG2020: the product's own integration operator on its prior levels (window mean, as the
    # prior); GGG2014: None, satcol's pressure weights (comparison.method_ii).
    h_prior = tw["integration_operator"][k] if "integration_operator" in tw else None
    if inst.grid.state_space == "vmr" and "pressure" in cand:
        p_sat = np.asarray(cand["pressure"], dtype=np.float64)[sel]
        x_corr = np.asarray(cand["xgas_corrected"], dtype=np.float64)[sel]
        snd = pd.DataFrame({
            "sounding_id": np.asarray(cand["sounding_id"])[sel], "day": op_day[op[sel]],
            "surface": np.asarray(cand["surface"])[sel], "time_s": t[sel],
            "overpass_time_s": op_time[op[sel]], "tccon_record_start": start[op[sel]],
            "tccon_record_count": (stop - start)[op[sel]],
            "xgas_error": np.asarray(cand["xgas_error"], dtype=np.float64)[sel], "psurf": psurf, "p_tccon": p_t})
        for variant, key in (("standard", "xgas"), ("unscaled", "xgas_unscaled")):
            res = comparison.vmr_methods(x_corr, x_hat, x_a, A, p_sat, p_t, p_prior, x_prior, p_ak, ak, tw[key][k], h_prior)
            for m, (y, x) in res.items():
                snd[f"{m}_{variant}_y"] = y
                snd[f"{m}_{variant}_x"] = x
        return _per_day(snd, tw, osel, k, op_time, start, stop, counts)
    snd = pd.DataFrame({
        "sounding_id": np.asarray(cand["sounding_id"])[sel],
        "day": op_day[op[sel]],
        "surface": np.asarray(cand["surface"])[sel],
        "time_s": t[sel],
        "overpass_time_s": op_time[op[sel]],
        "tccon_record_start": start[op[sel]],
        "tccon_record_count": (stop - start)[op[sel]],
        **({} if fp is None else {fp.column: np.asarray(cand[fp.column])[sel] if fp.column in cand else 0}),
        "xgas_error": np.asarray(cand["xgas_error"], dtype=np.float64)[sel],
        "psurf": psurf, "p_tccon": p_t,
        # MOPITT XCO from the (corrected) profile at its own surface pressure; method_0_*_y is
        # the same profile at the TCCON surface pressure (H19 Fig. 4 is their ratio).
        "xgas_profile_at_psurf": columns.column(columns.surface_adjusted_weights(psurf, psurf), x_hat),
    })
    for variant, key in (("standard", "xgas"), ("unscaled", "xgas_unscaled")):
        xgas_t = tw[key][k]
        res = {"method_0": comparison.method_0(x_hat, psurf, p_t, xgas_t),
               "method_II": comparison.method_ii(x_hat, x_a, A, psurf, p_t, p_prior, x_prior, xgas_t, exact=exact,
                                                 h_prior=h_prior, state_space=inst.grid.state_space),
               "method_III": comparison.method_iii(x_hat, x_a, psurf, p_t, p_prior, x_prior, p_ak, ak, xgas_t,
                                                   h_prior=h_prior)}
        for m, (y, x) in res.items():
            snd[f"{m}_{variant}_y"] = y
            snd[f"{m}_{variant}_x"] = x
    return _per_day(snd, tw, osel, k, op_time, start, stop, counts)


def _per_day(snd, tw, osel, k, op_time, start, stop, counts):
    """The per day x surface reduction of :func:`colocate_site` from its per-sounding table."""
    # Per day x surface: MOPITT-side weighted mean + Gatz-Smith SEM; TCCON side with the same
    # weights (x varies by sounding through the MOPITT AK) and the SEM of the weighted mean of
    # the day's window means.
    group = snd["day"].to_numpy() * 4 + snd["surface"].to_numpy()
    keys, n, _, _ = stats.grouped_weighted_stats(group, np.zeros(len(snd)), snd["xgas_error"])
    _, gi = np.unique(group, return_inverse=True)
    gi = gi.ravel()
    w = 1.0 / snd["xgas_error"].to_numpy() ** 2
    W = np.bincount(gi, w, keys.size)
    # (group, window) pairs: each window's share W_k / W of its group's weight.
    pairs, pi = np.unique(gi * osel.size + k, return_inverse=True)
    pg, pk = pairs // osel.size, pairs % osel.size
    share = np.bincount(pi.ravel(), w, pairs.size) / W[pg]
    n_op = np.bincount(pg, minlength=keys.size)
    wo = osel[pk]  # overpass index of each pair
    first_pair = np.r_[0, np.flatnonzero(np.diff(pg)) + 1]  # pairs are sorted by group, then window (time)
    last_pair = np.r_[first_pair[1:] - 1, pairs.size - 1]
    out = pd.DataFrame({
        "date": pd.to_datetime(keys // 4 * 86400, unit="s").date, "day": keys // 4, "surface": keys % 4,
        "n_soundings": n, "n_overpasses": n_op,
        "overpass_time_s": op_time[wo[first_pair]],  # the day's first overpass
        "tccon_record_start": start[wo[first_pair]],
        "tccon_record_stop": stop[wo[last_pair]],  # records [start, stop) hold every window of the day
        "tccon_record_count": np.bincount(pg, (stop - start)[wo], keys.size).astype(np.int64),
        "p_tccon": np.bincount(pg, share * tw["pout"][pk], keys.size),
    })
    # Where the Gatz-Smith SEM is undefined (one sounding) or zero, the formal error of the
    # weighted mean, 1/sqrt(sum w), is used.
    formal = 1.0 / np.sqrt(W)
    for variant, key in (("standard", "xgas"), ("unscaled", "xgas_unscaled")):
        x_sem = np.sqrt(np.bincount(pg, share**2 * tw[key + "_sem"][pk] ** 2, keys.size))
        for m in METHODS:
            _, _, ym, ysem = stats.grouped_weighted_stats(group, snd[f"{m}_{variant}_y"], snd["xgas_error"])
            _, _, xm, _ = stats.grouped_weighted_stats(group, snd[f"{m}_{variant}_x"], snd["xgas_error"])
            out[f"{m}_{variant}_y"] = ym
            out[f"{m}_{variant}_y_sem"] = np.where((n > 1) & (ysem > 0), ysem, formal)
            out[f"{m}_{variant}_x"] = xm
            out[f"{m}_{variant}_x_sem"] = x_sem
    counts["soundings_compared"] = int(len(snd))
    counts["days_compared"] = int(np.unique(keys // 4).size)
    counts["overpasses_compared"] = int(osel.size)
    counts["day_surface_points"] = int(len(out))
    return snd, out, counts


#: Store columns every candidates file carries; the instrument's footprint column, if it has one,
#: follows ``lon`` (:func:`candidate_columns`).
CAND_SCALARS = ["sounding_id", "lat", "lon", "surface", "psurf", "xgas_error"]
CAND_PROFILES = ["retrieved_vmr", "prior_vmr", "averaging_kernel"]


def candidate_columns(instrument=None) -> list[str]:
    """Store columns a candidates file carries: :data:`CAND_SCALARS` with the instrument's
    footprint column after ``lon`` (none for an instrument without footprints). ``instrument``:
    default MOPITT."""
    fp = _instrument(instrument).footprints
    return CAND_SCALARS[:3] + ([] if fp is None else [fp.column]) + CAND_SCALARS[3:]


def _instrument(instrument):
    """The instrument given, or MOPITT's (the default of the stages written before the registry)."""
    from satcol import instruments

    return instruments.get("mopitt") if instrument is None else instrument


def month_candidates(corrected, table, profiles_path, sites: pd.DataFrame, out_path, prov: dict,
                     instrument=None) -> dict:
    """Write one month's colocation candidates (kept soundings in any site box) with profiles.

    ``corrected`` and ``table``: the month's corrected soundings and store table, as DataFrames
    (the correct job passes its own) or as Parquet paths. ``instrument``
    (:class:`satcol.instruments.base.Instrument`, default MOPITT): the footprint column, the
    level dimensions of the profiles and the title come from it."""
    import xarray as xr

    from satcol.core.provenance import netcdf_attrs

    scalars = candidate_columns(instrument)
    # an instrument with its own level pressures (VMR state, no fixed grid) carries them along
    profile_names = CAND_PROFILES + (["pressure"] if _has_level_pressures(instrument) else [])
    title = "MOPITT" if instrument is None else instrument.title
    units = {v: instrument.profile_vars[v][1] for v in CAND_PROFILES} if instrument is not None else \
        {"retrieved_vmr": "1e-9", "prior_vmr": "1e-9", "averaging_kernel": "1"}
    corr = corrected
    if not isinstance(corr, pd.DataFrame):
        corr = read_soundings(corr, columns=["sounding_id", "qc", "xgas", "xgas_corrected"])
    if not isinstance(table, pd.DataFrame):
        table = read_soundings(table, columns=scalars + ["time"])
    check_store_order(table, corr, str(out_path))
    kept = (corr["qc"].to_numpy() == 0) & np.isfinite(corr["xgas_corrected"].to_numpy())
    pairs = candidates(table["lat"].to_numpy(), table["lon"].to_numpy(), kept, sites)
    rows = pairs["row"].to_numpy(dtype=np.int64)
    uniq, inv = np.unique(rows, return_inverse=True)
    # Either layout of the store's profiles (store_profiles): read back from the L2 files at
    # the candidates' rows (issue 22), or from the store's copy.
    from satcol.core.store_profiles import open_profiles

    with open_profiles(profiles_path) as prof:
        got = prof.read(uniq, profile_names)
        prof_sel = {v: got[v][inv.ravel()] for v in profile_names}
        dims = {v: ("pair",) + prof.dims(v)[1:] for v in profile_names}
    ds = xr.Dataset(
        {**{c: ("pair", table[c].to_numpy()[rows]) for c in scalars},
         "site": ("pair", pairs["site"].to_numpy(dtype=str)),
         "time": ("pair", table["time"].to_numpy(dtype="datetime64[us]")[rows]),
         "xgas": ("pair", corr["xgas"].to_numpy()[rows]),
         "xgas_corrected": ("pair", corr["xgas_corrected"].to_numpy()[rows]),
         "retrieved_vmr": (dims["retrieved_vmr"], prof_sel["retrieved_vmr"], {"units": units["retrieved_vmr"]}),
         "prior_vmr": (dims["prior_vmr"], prof_sel["prior_vmr"], {"units": units["prior_vmr"]}),
         "averaging_kernel": (dims["averaging_kernel"], prof_sel["averaging_kernel"], {"units": "1"})},
        attrs={**netcdf_attrs(prov), "title": f"satcol: {title} soundings in TCCON coincidence boxes (kept, corrected)"},
    )
    if "pressure" in profile_names:
        ds["pressure"] = (dims["pressure"], prof_sel["pressure"], {"units": instrument.profile_vars["pressure"][1]})
    ds["time"].encoding["units"] = "microseconds since 1970-01-01"
    from satcol.core.ioutil import atomic_path

    with atomic_path(out_path) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf")
    return {"n_kept": int(kept.sum()), "n_pairs": int(len(pairs)),
            "per_site": pairs.groupby("site").size().astype(int).to_dict()}


def _has_level_pressures(instrument) -> bool:
    """An instrument whose kernel acts on VMR on levels of its own (a ``pressure`` profile)."""
    return (instrument is not None and instrument.grid.state_space == "vmr"
            and "pressure" in instrument.profile_vars)


def read_site_candidates(paths, site, instrument=None, pressure=False) -> dict:
    """Concatenate one site's candidates over the month files, as arrays for :func:`colocate_site`
    (``instrument``: whose candidates, default MOPITT; :func:`candidate_columns`; ``pressure``:
    also the level pressures a VMR instrument's candidates carry).

    Read with h5py: opening a small file through xarray costs ~0.15 s of metadata parsing,
    more than the whole comparison of a site."""
    import h5py

    names = candidate_columns(instrument) + ["xgas", "xgas_corrected"] + CAND_PROFILES + (["pressure"] if pressure else [])
    parts = {k: [] for k in names + ["time_s"]}
    for p in paths:
        with h5py.File(p, "r") as f:
            if f["site"].shape[0] == 0:
                continue
            idx = np.flatnonzero(f["site"].asstr()[:] == site)
            if idx.size == 0:
                continue
            for k in names:
                if k not in f:
                    _missing_candidate_variable(p, f, k)
                parts[k].append(f[k][idx])
            units = f["time"].attrs.get("units", "")
            units = units.decode() if isinstance(units, bytes) else str(units)
            if not units.startswith("microseconds since 1970-01-01"):
                raise ValueError(f"{p}: time units {units!r}, expected microseconds since 1970-01-01")
            parts["time_s"].append(f["time"][idx].astype(np.float64) / 1e6)
    if not parts["time_s"]:
        return {}
    return {k: np.concatenate(v) for k, v in parts.items()}


def _missing_candidate_variable(path, f, name):
    """BadInputError for a candidates file without ``name``; one written before the generic
    names (``xco`` for ``xgas``) names the rerun."""
    from satcol.core.errors import BadInputError
    from satcol.core.store import old_column_name, old_names_error

    old = old_column_name(name)
    if old is not None and old in f:
        raise old_names_error(path, [(old, name)])
    raise BadInputError(path, "missing_dataset", "colocation candidates file without this variable", name)


def read_tccon_store(path, species: str = "co") -> dict:
    """A site's TCCON store as arrays; {} when it holds no measurements (every file of the site
    was skipped as bad input).

    ``species`` (the instrument's, :attr:`satcol.instruments.base.Species.name`): the store's
    ``x<gas>``, ``x<gas>_error``, ``prior_<gas>`` and its kernel (``ak`` for CO, ``ak_x<gas>``
    otherwise) under the generic keys ``xgas``, ``xgas_error``, ``prior_gas``, ``ak``; and
    ``xgas_unscaled``, the store's ``xco_unscaled`` for CO (the only gas with a scaled and an
    unscaled variant), NaN otherwise. BadInputError names the file and a missing variable."""
    import xarray as xr

    from satcol.core.errors import BadInputError

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        if ds.sizes.get("obs", 0) == 0:
            return {}
        names = {"xgas": f"x{species}", "xgas_error": f"x{species}_error", "prior_gas": f"prior_{species}",
                 "ak": "ak" if species == "co" else f"ak_x{species}"}
        if species == "co":
            names["xgas_unscaled"] = "xco_unscaled"
        for v in names.values():
            if v not in ds:
                raise BadInputError(path, "missing_dataset", f"TCCON store has no {species} variable", v)
        out = {k: ds[v].values for k, v in names.items()}
        if "xgas_unscaled" not in out:
            out["xgas_unscaled"] = np.full(ds.sizes["obs"], np.nan)
        out.update({v: ds[v].values for v in ("pout", "prior_pressure")})
        out["ak_pressure"] = ds["ak_pressure"].values
        if "integration_operator" in ds:  # GGG2020 stores (ingest.ingest_tccon_site)
            out["integration_operator"] = ds["integration_operator"].values
        out["time_s"] = ds["time"].values.astype("datetime64[us]").astype(np.int64) / 1e6
        out["lat"] = float(ds.attrs["lat"])
        out["record_index"] = np.arange(ds.sizes["obs"])
    return out


def tccon_ak_sample(path) -> dict:
    """A site's column AKs with their SZAs, for H19 Fig. 8e."""
    import xarray as xr

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return {"site": ds.attrs.get("site_id", ""), "ak": ds["ak"].values, "pressure": ds["ak_pressure"].values,
                "obs_sza": ds["sza"].values, "sza": np.array([20.0, 40.0, 60.0, 75.0])}
