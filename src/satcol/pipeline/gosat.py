"""The GOSAT chain of the workflow (rules/instruments/gosat_s23.smk), one function per rule.

synthesize (per month) -> ingest (per year, both products: the store
``results/gosat/store/{species}/{YYYY}/``) -> screening (S23 Table 3 as QC bits, per species)
-> match-ups with TCCON (±2° and ±0.1°, S23 Sect. 4.3) -> MLR fit (S23 Sect. 4.5) -> the
corrected record -> validation tables (S23 Tables 6 and 7, site biases, summary, leave one site
out) -> OSSE rows against ``synthetic.gosat.truth``. The science is in :mod:`satcol.instruments.gosat.screening`,
:mod:`satcol.instruments.gosat.mlr` and :mod:`satcol.validation.gosat`; this module reads and writes the
products, each with its provenance (satcol version, git commit, config hash of the rule's params
and of its inputs' configs, input checksums).

The store keeps the reader's GOSAT names (``xco2``/``xch4`` in ppm/ppb, ``aot_1p6``, ``dps_hpa``,
... of :data:`satcol.instruments.gosat.reader.TABLE_FIELDS`) with the ingest columns ``sounding_id``,
``source_file``, ``source_index`` and ``qc``: one store per species, read by this chain alone, in
the product's names, as MOPITT's store keeps its own diagnostics'; the GOSAT declaration's
``canonical()`` gives the generic ``xgas*`` (docs/instruments.md, "Generic names inside").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from satcol.core import ioutil, provenance, timeutil
from satcol.core.qcbits import QC_DTYPE
from satcol.instruments.gosat import mlr as gosat_mlr
from satcol.instruments.gosat import reader as gio
from satcol.instruments.gosat import screening as gosat_screening
from satcol.validation import gosat as gosat_validation

#: Species of the chain: store/product name -> NIES product code.
SPECIES = {"xco2": "C01S", "xch4": "C02S"}
STORE = "results/gosat/store"
SYN_DIR = "results/synthetic/gosat"


@dataclass
class GosatPlan:
    """Months and days of the GOSAT record of a run; ``months`` empty when GOSAT does not run
    (``reason`` says why)."""

    months: list[str] = field(default_factory=list)
    days: dict[str, list[str]] = field(default_factory=dict)
    reason: str = ""

    @property
    def all_days(self) -> list[str]:
        return [d for m in self.months for d in self.days[m]]

    @property
    def years(self) -> list[str]:
        """The years of the record (``YYYY``): one ingest job and one store each."""
        return sorted({m[:4] for m in self.months})

    def months_of(self, year: str) -> list[str]:
        """The record's months (``YYYY-MM``) of ``year``."""
        return [m for m in self.months if m[:4] == str(year)]


def plan(config: dict) -> GosatPlan:
    """The GOSAT months of a run: ``synthetic.gosat.start..end`` within ``synthetic.start..end``,
    ``synthetic.gosat.days_per_month`` days each, when ``instruments.gosat.enabled`` and the run
    is synthetic. A real-data GOSAT chain is not wired into the workflow yet (the library reads
    real NIES files: :func:`satcol.open_gosat`)."""
    inst = (config.get("instruments") or {}).get("gosat") or {}
    if not inst.get("enabled", False):
        return GosatPlan(reason="instruments.gosat.enabled is false")
    syn = config["synthetic"]
    if not syn.get("enabled", False):
        return GosatPlan(reason="real GOSAT input is not wired into the workflow yet (synthetic.enabled is false)")
    from satcol.synthetic import calendar as syncal  # synthetic mode only

    g = syn["gosat"]
    start = max(timeutil.parse_date(g["start"]), timeutil.parse_date(syn["start"]))
    end = min(timeutil.parse_date(g["end"]), timeutil.parse_date(syn["end"]))
    if start > end:
        return GosatPlan(reason=f"synthetic.gosat {g['start']}..{g['end']} does not overlap the run "
                                f"{syn['start']}..{syn['end']}")
    days = {}
    for ym in timeutil.months(start, end):
        d = syncal.days_of_month(ym, int(g["days_per_month"]), start, end)
        if d:
            days[ym] = [x.isoformat() for x in d]
    return GosatPlan(sorted(days), days)


# --- provenance helpers ---------------------------------------------------------------------------

def _prov(params: dict, inputs=(), upstream=()) -> dict:
    return provenance.provenance(params, inputs=[str(p) for p in inputs], upstream=upstream)


def _write_parquet(df: pd.DataFrame, path, prov: dict, extra: dict | None = None) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"satcol_provenance"] = json.dumps(prov, sort_keys=True).encode()
    meta[b"satcol_instrument"] = b"gosat"
    for k, v in (extra or {}).items():
        meta[k.encode()] = json.dumps(v, sort_keys=True).encode()
    ioutil.write_arrow_parquet(table.replace_schema_metadata(meta), path)


def write_matchups(m: pd.DataFrame, path, prov: dict) -> None:
    """Match-ups (with their corrected differences) as Parquet carrying ``prov``."""
    _write_parquet(m, path, prov)


def _hashes(paths) -> list[str]:
    return [provenance.recorded_config_hash(p) for p in paths]


# --- synthesize -----------------------------------------------------------------------------------

def synthesize_month(outdir, days: list[str], syn_gosat: dict, sites: pd.DataFrame) -> list[Path]:
    """The NIES L2 files (both products) and truth tables of ``days`` under ``outdir``."""
    from satcol.synthetic import gosat as sg

    return sg.write_days(outdir, [timeutil.parse_date(d) for d in days], syn_gosat, sites)


def synthesize_tccon(outdir, days: list[str], syn_gosat: dict, sites: pd.DataFrame,
                     variant: str = "GGG2020") -> list[Path]:
    """TCCON files (``variant`` GGG2020 or GGG2014) of the sites over ``days`` (the GOSAT truth
    plus TCCON noise; :func:`satcol.synthetic.gosat.write_tccon`)."""
    from satcol.synthetic import gosat as sg

    Path(outdir).mkdir(parents=True, exist_ok=True)
    return sg.write_tccon(outdir, sites, [timeutil.parse_date(d) for d in days], syn_gosat, variant)


# --- ingest ---------------------------------------------------------------------------------------

def l2_files(paths) -> dict[str, list[Path]]:
    """The NIES L2 files of a directory, or of a list of directories and files (the months of
    a year), by species; one file a day and product (the newest version where several are
    present), in date order."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    missing = [str(p) for p in map(Path, paths) if not p.exists()]
    if missing:
        raise FileNotFoundError(f"GOSAT L2 input not found: {', '.join(missing)}")
    paths = [f for p in map(Path, paths) for f in (sorted(p.glob("*.h5")) if p.is_dir() else [p])]
    from satcol.instruments.gosat.instrument import parse_filename

    infos = [parse_filename(p) for p in paths]
    out = {}
    for species, code in SPECIES.items():
        best = {}
        for i in infos:
            if i.product_code == code and (i.date not in best or i.version_key > best[i.date].version_key):
                best[i.date] = i
        out[species] = [best[d].path for d in sorted(best)]
    return out


def ingest_files(files: list, species: str, params: dict) -> tuple[pd.DataFrame, dict, dict]:
    """Read one species' files (a year's, in the workflow) into the store's table and profiles.

    Parameters
    ----------
    files : list of path
        NIES files of the species' product, one a day.
    species : {"xco2", "xch4"}
    params : dict
        The rule's params (recorded as the config hash); ``on_bad_input`` (``fail``, the default,
        or ``skip``): a file the reader refuses (:class:`satcol.core.errors.BadInputError`) stops the
        job, or is left out, logged and counted in the report's ``skipped`` (file, reason,
        dataset), as the MOPITT and TCCON ingest do.

    Returns
    -------
    table : DataFrame
        Every sounding of every file (flag, don't drop): the reader's canonical table plus
        ``sounding_id`` (YYYYMMDD * 10^6 + index in the file), ``source_file`` (index into the
        report's ``files``), ``source_index`` and ``qc`` (bit ``input_fill`` set here).
    profiles : dict of (n, 15) arrays
        ``column_ak``, ``pressure_weight``, the a priori profile and layer pressures, surface first.
    report : dict
        ``files`` (those read), ``n_soundings``, ``n_input_fill``, per-surface counts,
        ``skipped`` and provenance.
    """
    from satcol.core.errors import BadInputError
    from satcol.pipeline.ingest import handle_bad

    tables, profs, names, skipped = [], [], [], []
    on_bad = str(params.get("on_bad_input", "fail"))
    for p in files:
        try:
            t, pr, info = gio.read_gosat(p)
        except BadInputError as err:
            handle_bad(err, on_bad, skipped)
            continue
        if gio.SPECIES[info.species]["variable"] != species:
            raise ValueError(f"{p}: a {info.species} product where {species} was expected")
        n = len(t["time"])
        fill = gio.input_fill_mask(t, pr, species)
        tables.append({"sounding_id": np.int64(int(f"{info.date:%Y%m%d}")) * 1_000_000 + np.arange(n, dtype=np.int64),
                       "source_file": np.full(n, len(names), dtype=np.int32),
                       "source_index": np.arange(n, dtype=np.int32), **t,
                       "qc": np.where(fill, QC_DTYPE(1), QC_DTYPE(0)).astype(QC_DTYPE)})
        profs.append(pr)
        names.append(str(p))
    # the files' columns joined with numpy, one DataFrame for all of them (a DataFrame a file
    # costs more than the reading)
    table = pd.DataFrame({k: np.concatenate([t[k] for t in tables]) for k in tables[0]}) if tables else pd.DataFrame()
    for k in ("scan_id", "gain", "observation_mode"):
        if len(table):
            table[k] = table[k].astype(str)
    profiles = {k: np.concatenate([p[k] for p in profs]) for k in (profs[0] if profs else {})}
    prov = _prov(params, inputs=files)
    report = {"instrument": "gosat", "species": species, "files": names, "skipped": skipped,
              "n_soundings": int(len(table)),
              "n_input_fill": int((table["qc"] != 0).sum()) if len(table) else 0,
              "per_surface": {gosat_validation.SURFACE_NAMES[int(c)]: int(v)
                              for c, v in table["surface"].value_counts().sort_index().items()} if len(table) else {},
              "provenance": prov}
    return table, profiles, report


def write_store(table: pd.DataFrame, profiles: dict, report: dict, table_path, profiles_path, report_path) -> None:
    """The store of one species and year: Parquet table (provenance in its metadata), the
    profiles (``.npz``, with the sounding ids) and the year's report (JSON)."""
    _write_parquet(table, table_path, report["provenance"], {"satcol_species": report["species"]})
    with ioutil.atomic_path(profiles_path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, sounding_id=table["sounding_id"].to_numpy(), **profiles)
    ioutil.write_json(report, report_path)


def read_store_months(years, table_paths, profiles_paths, corrected: pd.DataFrame, months):
    """The months of a species' store, one at a time, from its year files (as :func:`write_store`
    wrote them), each with the corrected record's rows of its soundings in store order.

    Parameters
    ----------
    years : list of str
        ``YYYY`` of each store file, in the order of ``table_paths`` and ``profiles_paths``.
    table_paths, profiles_paths : list of path
        The store's tables (Parquet) and profiles (``.npz``) of those years.
    corrected : DataFrame
        The corrected record indexed by ``sounding_id``.
    months : list of str
        The months to give (``YYYY-MM``); a month without soundings gives empty ones.

    Yields
    ------
    (month, table path, profiles path, table, corrected rows, profile arrays without the
    sounding ids), in the order of the years, then of ``months``.
    """
    for year, table_path, profiles_path in zip(years, table_paths, profiles_paths, strict=True):
        table = pd.read_parquet(table_path)
        with np.load(profiles_path) as f:
            profiles = {k: f[k] for k in f.files if k != "sounding_id"}
        # sounding_id = YYYYMMDD * 10^6 + index in the day's file (ingest_files)
        ym = table["sounding_id"].to_numpy(np.int64) // 100_000_000
        for month in (m for m in months if m[:4] == str(year)):
            sel = np.nonzero(ym == int(month.replace("-", "")))[0]
            t = table.iloc[sel].reset_index(drop=True)
            corr = corrected.loc[t["sounding_id"].to_numpy()].reset_index(drop=True)
            yield month, table_path, profiles_path, t, corr, {k: v[sel] for k, v in profiles.items()}


def read_store(paths) -> pd.DataFrame:
    """The store tables of several years, concatenated in the order given."""
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


# --- screening ------------------------------------------------------------------------------------

def screen_record(table: pd.DataFrame, screening_path, params: dict, inputs=(), upstream=()) -> tuple[pd.DataFrame, dict]:
    """S23 Table 3 screening of a species' record: QC bits of the GOSAT registry on every
    sounding (flag, don't drop: n_in = n_kept + n_flagged); the product generation of each
    sounding's file selects the thresholds."""
    scr = gosat_screening.load_screening(screening_path)
    fill = (table["qc"].to_numpy(QC_DTYPE) & QC_DTYPE(scr.mask_of("input_fill"))) != 0
    gen = _generations(table)
    qc = np.zeros(len(table), dtype=QC_DTYPE)
    for g in np.unique(gen):
        sel = gen == g
        qc[sel] = gosat_screening.screen(table.loc[sel], scr, g, fill[sel])
    out = pd.DataFrame({"sounding_id": table["sounding_id"].to_numpy(), "scan_id": table["scan_id"].to_numpy(),
                        "qc": qc})
    counts = gosat_screening.counts(qc, scr)
    assert counts["n_in"] == counts["n_kept"] + counts["n_flagged"]
    report = {"screening": str(screening_path), "source": scr.source, **counts,
              "flags": {k: (v.tolist() if hasattr(v, "tolist") else v)
                        for k, v in gosat_screening.cf_flag_attributes(scr).items()},
              "provenance": _prov(params, inputs=[*inputs, screening_path], upstream=upstream)}
    return out, report


def _generations(table: pd.DataFrame) -> np.ndarray:
    """Product generation ('02', '03') of each sounding, from its store's recorded file names."""
    if "generation" in table:
        return table["generation"].astype(str).to_numpy()
    return np.full(len(table), "03")


def with_generation(table: pd.DataFrame, report: dict) -> pd.DataFrame:
    """``generation`` column from the version in the names of the store's files."""
    gens = np.array([gio.parse_filename(f)[2].split(".")[0] for f in report["files"]])
    return table.assign(generation=gens[table["source_file"].to_numpy()] if len(gens) else [])


def load_record(store_paths, report_paths, screening_path=None) -> pd.DataFrame:
    """A species' store over the years with the generation of each sounding and, given the
    screening product, its QC bits in place of the store's."""
    parts = []
    for t, r in zip(store_paths, report_paths, strict=True):
        with open(r) as f:
            parts.append(with_generation(pd.read_parquet(t), json.load(f)))
    table = pd.concat(parts, ignore_index=True)
    if screening_path is not None:
        s = pd.read_parquet(screening_path)
        if not np.array_equal(s["sounding_id"].to_numpy(), table["sounding_id"].to_numpy()):
            raise ValueError(f"{screening_path}: sounding ids do not follow the store's (rerun the screening)")
        table["qc"] = s["qc"].to_numpy()
    return table


# --- match-ups, fit, correction, validation -------------------------------------------------------

def matchups(table: pd.DataFrame, species: str, tccon_paths, sites: pd.DataFrame, validation: dict) -> dict:
    """±``box_wide_deg`` and ±``box_strict_deg`` match-ups of the kept soundings (QC = 0) with
    the TCCON files of the chosen variant (:func:`satcol.validation.gosat.matchups`), each with
    the soundings' ``sounding_id``."""
    tccon = gosat_validation.load_tccon(tccon_paths, validation["tccon_variant"])
    kept = table["qc"].to_numpy() == 0
    out = {}
    for label, box in (("wide", validation["box_wide_deg"]), ("strict", validation["box_strict_deg"])):
        m = gosat_validation.matchups(table, species, tccon, sites, float(box), float(validation["window_minutes"]),
                                      rows=kept, centre=validation["centre"], tccon_variant=validation["tccon_variant"])
        m.insert(1, "sounding_id", table["sounding_id"].to_numpy()[m["row"].to_numpy(np.int64)])
        out[label] = m
    return out


def fits_from_table(coef: pd.DataFrame) -> dict:
    """The ``{surface: MLRFit}`` of a coefficients table (:func:`satcol.instruments.gosat.mlr.fits_table`)."""
    out = {}
    for surface, g in coef.groupby("surface", sort=False):
        first = g.iloc[0]
        out[surface] = gosat_mlr.MLRFit(
            str(first["species"]), str(surface), tuple(g["term"].iloc[1:]), g["coef"].to_numpy(np.float64),
            g["se"].to_numpy(np.float64), int(first["n"]), float(first["r2"]), float(first["resid_sd"]),
            float(first["condition_number"]), float(first["aic"]))
        if g["term"].iloc[0] != "intercept":
            raise ValueError(f"coefficients of {surface}: the first term must be the intercept")
    return out


def fit(m_wide: pd.DataFrame, terms: dict, species: str, min_matchups: int | None = None) -> tuple[pd.DataFrame, dict]:
    """The S23 Sect. 4.5 regression of ΔX on the species' terms per surface, fitted on the
    ±2° match-ups, each sounding once (its nearest site's match-up,
    :func:`satcol.validation.gosat.primary_rows`): one row per coefficient with its standard
    error and the fit's diagnostics.

    A surface with fewer usable match-ups than ``min_matchups``
    (``instruments.gosat.validation.mlr_min_matchups``) is not fitted: it has no rows in the
    table, its soundings stay uncorrected and carry the QC bit ``mlr_not_fitted``
    (:func:`correct_record`). Returns the table and ``{surface: {"n_matchups", "fitted"}}``."""
    delta = m_wide["delta"].to_numpy(np.float64)
    one = gosat_validation.primary_rows(m_wide)  # each sounding once, though near two sites
    try:
        fits = gosat_mlr.fit(delta, m_wide, terms, species, rows=one, min_matchups=min_matchups)
    except ValueError as exc:
        n = m_wide.groupby("surface_name").size().to_dict() if len(m_wide) else {}
        raise ValueError(f"GOSAT MLR fit: {exc} (±2° match-ups per surface: {n}); the record has too few soundings "
                         "of that surface near TCCON sites: a longer record, more target sites near the coast "
                         "(synthetic.gosat.target_sites), or instruments.gosat.validation.mlr_min_matchups to "
                         "leave the surface uncorrected") from None
    status = {s: {"n_matchups": gosat_mlr.usable_rows(delta, m_wide, terms[s], s, one) if len(m_wide) else 0,
                  "fitted": s in fits} for s in gosat_mlr.SURFACES}
    return gosat_mlr.fits_table(fits), status


def correct_record(table: pd.DataFrame, fits: dict, spec: dict, species: str) -> pd.DataFrame:
    """Every sounding (flag, don't drop) with its column before and after the correction and the
    correction itself (ppm or ppb); the column is unchanged where the terms say
    ``correct: false`` (S23: XCH4). Where the species is corrected but a surface has no fit
    (fewer match-ups than ``mlr_min_matchups``), that surface's soundings keep their column and
    get the QC bit ``mlr_not_fitted``."""
    x = table[species].to_numpy(np.float64)
    xc = gosat_mlr.corrected_column(x, table, fits, spec)
    qc = table["qc"].to_numpy().astype(QC_DTYPE)
    if spec["correct"]:
        qc = qc | np.where(gosat_mlr.not_fitted_mask(table, fits), QC_DTYPE(gosat_screening.MLR_NOT_FITTED),
                           QC_DTYPE(0)).astype(QC_DTYPE)
    return pd.DataFrame({"sounding_id": table["sounding_id"].to_numpy(), "scan_id": table["scan_id"].to_numpy(),
                         "time": table["time"].to_numpy(np.float64), "lat": table["lat"].to_numpy(),
                         "lon": table["lon"].to_numpy(), "surface": table["surface"].to_numpy(),
                         "gain": table["gain"].to_numpy(), "qc": qc,
                         species: x, f"{species}_corrected": xc, f"{species}_mlr_correction": x - xc})


def validation(m_wide: pd.DataFrame, m_strict: pd.DataFrame, fits: dict, spec: dict, species: str,
               min_matchups: int, mlr_min_matchups: int | None = None, m_train: pd.DataFrame | None = None) -> dict:
    """The S23 validation tables of one species (:func:`satcol.validation.gosat.validation_tables`)
    at three stages: ``before`` the correction, ``after_in_sample`` (the regression fitted on
    these ±2° match-ups: training-data statistics) and ``after_loso`` (the regression refitted
    without each site, :func:`satcol.validation.gosat.leave_one_site_out`: the out-of-sample
    view), for Tables 6 and 7, the site biases and the summary. Returns DataFrames ``table6``,
    ``table7``, ``sites``, ``summary``, ``loso`` (in-sample and LOSO side by side, ±2°) and
    ``loso_sites``.

    ``m_train``: the ±2° match-ups the regression was trained on when they are against another
    TCCON version than the validation's (``instruments.gosat.validation.mlr_tccon_variant``,
    S23: GGG2014 to train, GGG2020 to validate); the leave-one-site-out refits use them, the
    statistics ``m_wide`` and ``m_strict``. Default: ``m_wide``."""
    loso_sites = gosat_validation.add_corrected_deltas(m_wide, m_strict, fits, spec, species, mlr_min_matchups,
                                                       train=m_train)
    out = gosat_validation.validation_tables(m_wide, m_strict, min_matchups=min_matchups)
    out["loso"] = gosat_validation.loso_summary(m_wide).assign(
        species=species, box_deg=float(m_wide["box_deg"].iloc[0]) if len(m_wide) else np.nan)
    out["loso_sites"] = loso_sites.assign(species=species)
    return out


# --- OSSE -----------------------------------------------------------------------------------------

def read_truth(month_dirs) -> pd.DataFrame:
    """The synthetic record's per-sounding truth tables (scan ID, true columns, injected parts)."""
    import pyarrow.parquet as pq

    paths = [p for d in month_dirs for p in sorted((Path(d) / "truth").glob("*.parquet"))]
    if not paths:
        raise ValueError(f"no truth tables under {len(month_dirs)} synthetic month directories")
    # one Arrow table, converted to pandas once (a DataFrame a day file costs twice the reading)
    tables = [pq.read_table(p, use_threads=False) for p in paths]
    return pa.concat_tables(tables, promote_options="default").to_pandas()


def osse_rows(corrected: pd.DataFrame, m_wide: pd.DataFrame, truth_table: pd.DataFrame, truth: dict, spec: dict,
              species: str, k_se: float, coefficients: pd.DataFrame | None = None) -> pd.DataFrame:
    """OSSE recovery rows of one species (``gosat_<species>_...``): the injected error model
    fitted jointly on the ±2° match-ups (:func:`satcol.validation.gosat.truth_model_fits`: MLR
    terms, the injected AOT × albedo term, gain-M offset, drift) scored within ``k_se``
    standard errors (terms injected as 0 as null tests), and, where the species is corrected, the
    corrected record's land and ocean bias against the truth over every sounding the screening
    kept, with the bias before correction as the effect.

    The corrected-bias tolerance is the larger of the acceptance bound of issue 21 (0.1 ppm for
    XCO2, 1 ppb for XCH4) and ``k_se`` standard errors of the corrected mean: the record mean's
    own SE combined with the SE of the correction, resid_sd / √n of the surface's fit
    (``coefficients``; exact for the mean correction at the match-ups' mean regressors, which is
    where an OLS fit with an intercept is best known). A record whose match-ups cannot pin the
    correction to 0.1 ppm is thus judged at what it can tell, and the row is scored only while
    that tolerance is below the bias corrected; the note says whether the 0.1 ppm bound is met.
    A surface that was not fitted keeps the 0.1 ppm and fails visibly ("surface not corrected")."""
    fits = gosat_validation.truth_model_fits(m_wide, spec, species, truth["drift_reference"], truth=truth)
    tt = truth_table.drop_duplicates("scan_id").set_index("scan_id")[f"{species}_true"]
    x_true = tt.reindex(corrected["scan_id"].astype(str)).to_numpy(np.float64)
    if np.isnan(x_true).any():
        raise ValueError(f"{int(np.isnan(x_true).sum())} {species} soundings have no truth row (scan ID)")
    rows = gosat_validation.recovery_rows(fits, truth, species, k_se=k_se)
    if spec["correct"]:
        qc = corrected["qc"].to_numpy().astype(QC_DTYPE)
        not_fitted = (qc & QC_DTYPE(gosat_screening.MLR_NOT_FITTED)) != 0
        kept = (qc & ~QC_DTYPE(gosat_screening.MLR_NOT_FITTED)) == 0
        after = gosat_validation.record_bias_vs_truth(corrected[f"{species}_corrected"], corrected["surface"], x_true,
                                                      kept)
        b = gosat_validation.record_bias_vs_truth(corrected[species], corrected["surface"], x_true, kept)
        before = dict(zip(b["surface"], b["bias"], strict=True))
        bound = 0.1 if species == "xco2" else 1.0
        unit = gosat_validation.UNITS[species]
        surface_codes = corrected["surface"].to_numpy()
        for one in after.itertuples():
            surface = one.surface
            tol, cause = bound, ""
            if (not_fitted & (surface_codes == gosat_mlr.SURFACES[surface])).any():
                cause = "surface not corrected: fewer match-ups than mlr_min_matchups (QC bit mlr_not_fitted)"
            elif coefficients is not None:
                c = coefficients[(coefficients["surface"] == surface) & (coefficients["term"] == "intercept")]
                if len(c):
                    se_corr = float(c["resid_sd"].iloc[0]) / np.sqrt(float(c["n"].iloc[0]))
                    se = float(np.hypot(se_corr, one.se if np.isfinite(one.se) else 0.0))
                    tol = max(bound, k_se * se)
                    cause = (f"tolerance max({bound:g} {unit} acceptance bound, {k_se:g} SE = {k_se * se:.2g}): the "
                             f"correction's mean is known to ±{se_corr:.2g} {unit} (resid SD / sqrt(n), "
                             f"n = {int(c['n'].iloc[0])} match-ups); within the {bound:g} {unit} bound: "
                             f"{'yes' if abs(one.bias) <= bound else 'no'}")
            r = pd.DataFrame(gosat_validation.recovery_rows({}, truth, species, after[after["surface"] == surface],
                                                            before, bias_tolerance=tol, k_se=k_se))
            if cause and not bool(r["ok"].iloc[0]):
                r["note"] = r["note"] + "; FAILS: " + cause
            elif cause:
                r["note"] = r["note"] + "; " + cause
            rows += r.to_dict("records")
    return pd.DataFrame(rows)


# --- version comparison and growth-rate check (S23 Sects. 4.2 and 4.4) -----------------------------

def synthesize_version_month(outdir, days: list[str], syn_gosat: dict, sites: pd.DataFrame) -> list[Path]:
    """The CO2 product of the month's days as a second product version
    (``synthetic.gosat.compare_version``: ``version`` and the ``truth`` keys that differ from
    the record's): the same scenes and scan IDs, so that the comparison pairs every sounding."""
    from satcol.core.config import deep_update
    from satcol.synthetic import gosat as sg

    cfg = sg.merged_config(syn_gosat)
    cv = cfg.get("compare_version") or {}
    if "version" not in cv:
        raise ValueError("synthetic.gosat.compare_version.version is not set: no second version to write")
    truth = deep_update(cfg["truth"], cv.get("truth") or {})
    return sg.write_days(outdir, [timeutil.parse_date(d) for d in days], syn_gosat, sites, species=("CO2",),
                         version=str(cv["version"]), truth_cfg=truth)


def read_product_files(paths, code: str = "C01S") -> dict:
    """The canonical table of the L2 files of one product (``C01S`` CO2, ``C02S`` CH4) among
    ``paths`` (files or month directories), concatenated in name order."""
    files = []
    for p in map(Path, paths):
        files += sorted(p.glob("*.h5")) if p.is_dir() else [p]
    tabs = [gio.read_gosat(f)[0] for f in sorted(files, key=lambda f: f.name) if f"_02{code}V" in f.name]
    if not tabs:
        raise ValueError(f"no {code} L2 file among {len(files)} files")
    return {k: np.concatenate([t[k] for t in tabs]) for k in tabs[0]}


def version_comparison(old_paths, old_version: str, new_table: pd.DataFrame, screening_path,
                       species: str = "xco2") -> dict:
    """Two versions of the same soundings paired by scan ID
    (:func:`satcol.validation.gosat_versions.pair_versions`), each kept by its own screening (the old one
    with the S23 Table 3 thresholds of its generation), and the statistics of new − old by
    surface (:func:`satcol.validation.gosat_versions.version_stats`). Returns ``{"pairs", "stats"}``."""
    from satcol.validation import gosat_versions

    old = read_product_files(old_paths, "C01S" if species == "xco2" else "C02S")
    screening = gosat_screening.load_screening(screening_path)
    rows_old = gosat_screening.screen(old, screening, str(old_version).split(".")[0]) == 0
    pairs = gosat_versions.pair_versions(old, new_table, species, rows_old=rows_old,
                                         rows_new=new_table["qc"].to_numpy() == 0)
    return {"pairs": pairs, "stats": gosat_versions.version_stats(pairs).assign(species=species)}


def growth_rate(corrected: pd.DataFrame, stations_path, insitu: pd.DataFrame, params: dict) -> dict:
    """S23 Sect. 4.4: monthly means of the corrected XCO2 in ``box_deg`` boxes around the in situ
    stations against the stations' monthly values; trends per decade of both and of their
    difference (:func:`satcol.validation.gosat_versions.growth_rate_check`), kept soundings only."""
    from satcol.validation import gosat_versions

    stations = gosat_versions.load_stations(stations_path)
    table = {c: corrected[c].to_numpy() for c in ("lat", "lon", "time", "surface")}
    kept = corrected["qc"].to_numpy() == 0
    monthly = gosat_versions.monthly_box_means(table, corrected["xco2_corrected"].to_numpy(np.float64), stations,
                                               float(params["box_deg"]), kept)
    return gosat_versions.growth_rate_check(monthly, insitu, int(params["min_months"]))
