"""Seed study of the global scale (issue 19 item 9): how well method II recovers
``synthetic.truth.global_scale``, and whether the quoted uncertainty covers the spread.

Usage:
    python benchmarks/seed_study.py [--runs 6] [--start 2010-01-01] [--end 2010-12-31]
                                    [--days-per-month 6] [--jobs 1] [--work benchmarks/work/seed_study]
                                    [--dem-at-sites] [--noise-free]

For each run k = 0..runs-1 (seed ``SEEDS[k]``, injected scale ``SCALES[k]``), in one process:

1. The synthetic MOPITT record at full density (14 orbits a day) on ``--days-per-month`` days a
   month, but only the daytime footprints inside the TCCON coincidence boxes
   (``config/tccon_sites.tsv``): :func:`satcol.synthetic.geometry.swath_footprints` is wrapped
   so that each orbit keeps those footprints, and :func:`satcol.synthetic.mopitt.simulate_day`
   simulates them as it simulates any footprint (truth, clouds, retrieval, errors and injected
   biases are functions of position and time; only the random draws differ from a global run).
   Each day is written in the MOPITT L2 layout and read back by satcol's reader (ingest's
   :func:`satcol.instruments.mopitt.reader.read_mop02` and ``canonical``), so the soundings carry every field the
   filters need.
2. QC as the workflow does it for these soundings: the prefilter (night, snow/ice, mixed
   surface) and the H19 Table 3 filters (``filters.table``). The QC chain's corrections are
   taken as perfect: ``xgas_corrected = xgas - pixel bias - feature bias`` from the truth table
   (their estimation is scored by ``recovery.csv``; this study isolates the TCCON validation).
3. The synthetic TCCON files of the sites (GGG2020 layout), ingested by
   :func:`satcol.pipeline.ingest.ingest_tccon_site`; then per site :func:`satcol.validation.colocation.colocate_site`
   and :func:`satcol.validation.fits.york_fit` on the day x surface points of all sites, as the
   workflow's ``colocate_site`` and ``tccon_validation`` rules do.

It writes ``seed_study.csv`` (one row per run and surface: recovered scale, error in % and in
units of the quoted uncertainty, n) and ``seed_study.md`` (the summary table of
:func:`satcol.validation.fits.seed_study_summary`) to ``--work``. A run of one year at 6 days a month
(72 days, about 245 day x surface points at 13-14 sites) took 160-170 s with two runs sharing the
machine's 2 cores (2026-12-07; the table in docs/mopitt-h19.md, "TCCON validation (H19 Sect. 4)"). ``--dem-at-sites`` and ``--noise-free`` are
the diagnostics of that section. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from satcol.core.config import load_config  # noqa: E402
from satcol.instruments.mopitt import filters, prefilter  # noqa: E402
from satcol.instruments.mopitt import reader as mopitt_io  # noqa: E402
from satcol.pipeline import ingest  # noqa: E402
from satcol.synthetic import calendar, geometry, mopitt, mopitt_writer, retrieval  # noqa: E402
from satcol.synthetic import tccon as syntccon  # noqa: E402
from satcol.synthetic import truth as truth_mod  # noqa: E402
from satcol.validation import colocation  # noqa: E402
from satcol.validation import fits as validation  # noqa: E402

#: Seeds and injected global scales of the runs (run k uses SEEDS[k] and SCALES[k]).
SEEDS = [20190101, 11, 2024, 777, 31337, 4242, 90210, 55]
SCALES = [1.064, 1.031, 1.10, 1.0, 0.97, 1.05, 1.08, 1.02]


#: Half-width of the swath plus a margin (km): a footprint lies at most this far from the
#: sub-satellite point of its scan.
REACH_KM = 400.0


def box_footprints(boxes: np.ndarray, original=geometry.swath_footprints):
    """A replacement of :func:`geometry.swath_footprints` that keeps the daytime footprints
    (SZA < 80 deg) inside any of ``boxes`` (rows lat_min, lat_max, lon_min, lon_max).

    An orbit whose sub-satellite track (at every scan time) comes no closer than REACH_KM to a
    box on the day side is skipped without computing its footprints (most of the cost)."""
    centre_lat = 0.5 * (boxes[:, 0] + boxes[:, 1])
    centre_lon = 0.5 * (boxes[:, 2] + boxes[:, 3])
    # Great-circle radius (km) of a circle around each box centre that holds the box.
    half_diag = geometry.EARTH_RADIUS_KM * np.radians(np.hypot(0.5 * (boxes[:, 1] - boxes[:, 0]), 0.5 * (
        boxes[:, 3] - boxes[:, 2]) * np.cos(np.radians(np.minimum(np.abs(boxes[:, 0]), np.abs(boxes[:, 1]))))))
    empty = {"time": np.zeros(0), "lat": np.zeros(0), "lon": np.zeros(0), "pixel": np.zeros(0, np.int32),
             "stare": np.zeros(0, np.int32), "track": np.zeros(0, np.int32), "vza": np.zeros(0)}

    def near_a_box(t_node) -> bool:
        t = t_node - geometry.ORBIT_PERIOD_S / 2 + np.arange(0.0, geometry.ORBIT_PERIOD_S, geometry.SCAN_SECONDS)
        lat, lon = geometry.subsatellite(t, t_node)
        day = geometry.solar_zenith(t, lat, lon) < 85.0
        la, lo = np.radians(lat[day])[:, None], np.radians(lon[day])[:, None]
        cl, co = np.radians(centre_lat)[None, :], np.radians(centre_lon)[None, :]
        cosd = np.sin(la) * np.sin(cl) + np.cos(la) * np.cos(cl) * np.cos(lo - co)
        dist = geometry.EARTH_RADIUS_KM * np.arccos(np.clip(cosd, -1.0, 1.0))
        return bool(np.any(dist <= half_diag[None, :] + REACH_KM))

    def wrapped(t_node, orbit_number):
        if not near_a_box(t_node):
            return dict(empty)
        fp = original(t_node, orbit_number)
        lat, lon = fp["lat"], fp["lon"]
        inside = np.zeros(lat.size, dtype=bool)
        for b in boxes:
            inside |= (lat >= b[0]) & (lat <= b[1]) & (lon >= b[2]) & (lon <= b[3])
        inside &= geometry.solar_zenith(fp["time"], lat, lon) < 80.0
        return {k: v[inside] for k, v in fp.items()}

    return wrapped


def dem_at_sites(sites: pd.DataFrame, original=geometry.surface_altitude, scale_km: float = 100.0):
    """A replacement of :func:`geometry.surface_altitude` whose land surface around each site
    rises or sinks to the site's altitude: z + (z_site - z(site)) exp(-d^2 / (2 scale_km^2)).

    The experiment of ``--dem-at-sites`` (docs/mopitt-h19.md, "TCCON validation (H19 Sect. 4)"): the synthetic DEM has a
    250 m continental base, so the land around low-lying sites (Bremen 27 m, Karlsruhe 116 m)
    lies 20-40 hPa above them, and the uniform extension of H19 Sect. 4.1 then counts the
    terrain-following urban boundary layer twice over that depth."""
    la0, lo0 = sites["lat"].to_numpy(np.float64), sites["lon"].to_numpy(np.float64)
    dz = sites["altitude_m"].to_numpy(np.float64) - original(la0, lo0, np.ones(la0.size, dtype=bool))

    def wrapped(lat, lon, is_land):
        z = original(lat, lon, is_land)
        la, lo = np.radians(np.asarray(lat))[..., None], np.radians(np.asarray(lon))[..., None]
        cosd = np.sin(la) * np.sin(np.radians(la0)) + np.cos(la) * np.cos(np.radians(la0)) * np.cos(lo - np.radians(lo0))
        d = geometry.EARTH_RADIUS_KM * np.arccos(np.clip(cosd, -1.0, 1.0))
        z = z + np.sum(dz * np.exp(-0.5 * (d / scale_km) ** 2), axis=-1)
        return np.where(is_land, np.maximum(z, 0.0), 0.0)

    return wrapped


def mopitt_day(day: dt.date, syn: dict, table_filters: list[dict], tmp: Path) -> dict | None:
    """One day's kept soundings inside the boxes, as arrays for colocation (None if none)."""
    fields, truth = mopitt.simulate_day(day, syn)
    n = len(truth["index"])
    if n == 0:
        return None
    path = tmp / mopitt_writer.file_name(day, syn["product_version"])
    mopitt_writer.write_mop02(path, fields, day, syn["product_version"])
    raw = mopitt_io.read_mop02(path)
    path.unlink()
    table, prof = mopitt_io.canonical(raw)
    df = pd.DataFrame(table)
    df["qc"] = np.zeros(n, dtype=np.uint32)
    qc = prefilter.prefilter_qc(df)
    qc = filters.apply_filters(df, table_filters, qc)
    kept = (qc == 0) & np.isfinite(df["xgas"].to_numpy())
    if not kept.any():
        return None
    # The QC chain's corrections taken as perfect (module docstring).
    corr = np.asarray(truth["pixel_bias_ppb"]) + np.asarray(truth["feature_bias_ppb"])
    xco = df["xgas"].to_numpy(dtype=np.float64)
    out = {"sounding_id": np.arange(n) + day.toordinal() * 1_000_000, "lat": df["lat"].to_numpy(),
           "lon": df["lon"].to_numpy(), "time_s": df["time"].to_numpy().astype("datetime64[us]").astype(np.int64) / 1e6,
           "surface": df["surface"].to_numpy(), "pixel": df["pixel"].to_numpy(), "psurf": df["psurf"].to_numpy(),
           "xgas": xco, "xgas_corrected": xco - corr, "xgas_error": df["xgas_error"].to_numpy(dtype=np.float64),
           "retrieved_vmr": prof["retrieved_vmr"], "prior_vmr": prof["prior_vmr"],
           "averaging_kernel": prof["averaging_kernel"]}
    out = {k: v[kept] for k, v in out.items()}
    if syn.get("_noise_free"):
        # Diagnostic (--noise-free): the retrieval of the truth without noise or injected biases,
        # g 10^(log x_a + A (log x - log x_a)), on the same soundings.
        x = retrieval.layer_means(truth_mod.truth_vmr, out["lat"], out["lon"], out["time_s"], out["psurf"])
        A = np.nan_to_num(out["averaging_kernel"].astype(np.float64))
        la = np.log10(out["prior_vmr"].astype(np.float64))
        xs = float(syn["truth"]["global_scale"]) * 10.0 ** (la + np.einsum("nij,nj->ni", A, np.nan_to_num(np.log10(x) - la)))
        out["retrieved_vmr"] = np.where(np.isfinite(out["prior_vmr"]), xs, np.nan)
        out["xgas_corrected"] = out["xgas"]
    return out


def run_one(args) -> dict:
    k, seed, scale, start, end, days_per_month, work, site_dem, noise_free = args
    t0 = time.perf_counter()
    np.seterr(all="ignore")
    cfg = load_config(overrides={"synthetic": {"seed": seed, "start": start, "end": end,
                                               "days_per_month": days_per_month, "orbits_per_day": 14,
                                               "truth": {"global_scale": scale}}})
    syn = cfg["synthetic"]
    if noise_free:
        syn["_noise_free"] = True
        syn["truth"]["tccon_noise_ppb"] = 1e-3  # (not 0: the errors weight the window means)
    sites = syntccon.read_site_table(REPO / cfg["tccon_sites"])
    days = calendar.all_days(syn)
    sites = sites[(sites["start"] <= days[-1]) & (sites["end"] >= days[0])].reset_index(drop=True)
    boxes = sites[["box_lat_min", "box_lat_max", "box_lon_min", "box_lon_max"]].to_numpy(dtype=np.float64)
    geometry.swath_footprints = box_footprints(boxes)
    if site_dem:
        geometry.surface_altitude = dem_at_sites(sites)
    wd = Path(work) / f"run{k}"
    (wd / "tccon").mkdir(parents=True, exist_ok=True)
    table_filters = filters.load_filter_file(REPO / cfg["filters"]["table"])
    parts = [p for p in (mopitt_day(d, syn, table_filters, wd) for d in days) if p is not None]
    cand = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    t_mopitt = time.perf_counter() - t0
    pairs = colocation.candidates(cand["lat"], cand["lon"], np.ones(cand["lat"].size, dtype=bool), sites)
    frames = []
    for _, site in sites.iterrows():
        sim = syntccon.simulate_site(site, syn)
        rows = pairs.loc[pairs["site"] == site["id"], "row"].to_numpy(dtype=np.int64)
        if sim is None or rows.size == 0:
            continue
        f = wd / "tccon" / syntccon.file_name(site["id"], days)
        syntccon.write(f, sim, site)
        store = wd / "tccon" / f"{site['id']}.nc"
        ingest.ingest_tccon_site(site["id"], [f], store, cfg)
        tc = colocation.read_tccon_store(store)
        if not tc:
            continue
        c = {key: v[rows] for key, v in cand.items()}
        _, d, _ = colocation.colocate_site(c, tc, cfg["colocation"]["window_minutes"],
                                          cfg["colocation"]["method_ii_exact"], cfg["colocation"]["overpass_gap_minutes"])
        if len(d):
            d.insert(0, "site", site["id"])
            d["site_lat"] = tc["lat"]
            frames.append(d)
    days_table = pd.concat(frames, ignore_index=True)
    fit = validation.york_fit(days_table, "method_II", "standard")
    out = {"run": k, "seed": seed, "injected": scale, "n_soundings_kept": int(cand["lat"].size),
           "seconds": round(time.perf_counter() - t0, 1), "seconds_mopitt": round(t_mopitt, 1), "fit": fit}
    days_table.to_csv(wd / "days.csv", index=False)
    (wd / "fit.json").write_text(json.dumps(out, indent=1, default=float))
    return out


def rows_of(result: dict) -> list[dict]:
    """Per-run rows (overall, land, water) for :func:`satcol.validation.fits.seed_study_summary`."""
    fit = result["fit"]
    rows = []
    for surface, f in (("all", fit), ("land", fit["per_surface"]["land"]), ("water", fit["per_surface"]["water"])):
        if "scale_factor" not in f:
            continue
        rows.append({"run": result["run"], "seed": result["seed"], "surface": surface, "injected": result["injected"],
                     "recovered": f["scale_factor"], "uncertainty": f["scale_factor_err"],
                     "uncertainty_york": f["scale_factor_err_york"],
                     "uncertainty_site_jackknife": f.get("scale_factor_err_site_jackknife", np.nan),
                     "n": f["n"], "n_sites": f.get("n_sites", 0)})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--start", default="2010-01-01")
    ap.add_argument("--end", default="2010-12-31")
    ap.add_argument("--days-per-month", type=int, default=6)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--work", type=Path, default=HERE / "work" / "seed_study")
    ap.add_argument("--dem-at-sites", action="store_true",
                    help="experiment: the synthetic land around each site at the site's altitude (dem_at_sites)")
    ap.add_argument("--noise-free", action="store_true",
                    help="diagnostic: MOPITT profiles replaced by the noise- and bias-free retrieval of the truth "
                         "(same soundings kept), TCCON without noise: what remains is smoothing and representativeness")
    a = ap.parse_args(argv)
    if not 1 <= a.runs <= len(SEEDS):
        ap.error(f"--runs must be 1-{len(SEEDS)}")
    a.work.mkdir(parents=True, exist_ok=True)
    jobs = [(k, SEEDS[k], SCALES[k], a.start, a.end, a.days_per_month, str(a.work), a.dem_at_sites, a.noise_free)
            for k in range(a.runs)]
    with ProcessPoolExecutor(a.jobs) as pool:
        results = list(pool.map(run_one, jobs))
    per_run = pd.DataFrame([r for res in results for r in rows_of(res)])
    per_run.to_csv(a.work / "seed_study.csv", index=False)
    summary = validation.seed_study_summary(per_run)
    text = (f"Seed study ({a.runs} runs, {a.start} to {a.end}, {a.days_per_month} days a month at full density in the "
            f"coincidence boxes{'; DEM at the site altitudes' if a.dem_at_sites else ''}"
            f"{'; noise-free retrievals' if a.noise_free else ''}; method II, standard TCCON XCO)"
            f"\n\n" + summary.to_markdown(index=False, floatfmt=".3f"))
    (a.work / "seed_study.md").write_text(text + "\n")
    print(per_run.to_string(index=False))
    print(text)
    print("seconds per run:", [r["seconds"] for r in results])


if __name__ == "__main__":
    main()
