"""GOSAT bias correction by multiple linear regression against TCCON (S23 Sect. 4.5).

Someya et al. (2023, AMT 16, 1477; "S23") correct V03 XCO2 with "the same strategy as
V02.95/96" (Inoue et al. 2016, AMT 9, 3491): the differences ΔX = X_GOSAT − X_TCCON of the
match-ups are regressed by ordinary least squares on AOT, ΔPs = Ps_retrieved − Ps_a priori and
the O2 A albedo, separately for land and ocean (no albedo over the ocean), and every sounding
is corrected as

    X_corr = X − (c0 + Σ_k c_k q_k)                                     (S23 Sect. 4.5)

with the coefficients of its surface. The terms per species and surface are data
(``config/instruments/gosat/mlr_terms.yaml``); the fit is statsmodels' OLS, so the coefficients
come with standard errors and the fit's diagnostics (R², residual SD, condition number, AIC).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from satcol.core.errors import ConfigError

SURFACES = {"ocean": 0, "land": 1}


@dataclass(frozen=True)
class MLRFit:
    """One surface's regression: ``terms`` (without the intercept), ``coef`` and ``se`` (the
    intercept first, in the unit of ΔX and ΔX per unit of each term), and diagnostics."""

    species: str
    surface: str
    terms: tuple
    coef: np.ndarray
    se: np.ndarray
    n: int
    r2: float
    resid_sd: float
    condition_number: float
    aic: float

    def predict(self, table: dict, rows=None) -> np.ndarray:
        """c0 + Σ c_k q_k for the soundings of ``table`` (all, or ``rows``)."""
        X = design(table, self.terms, rows)
        return X @ self.coef

    def as_rows(self) -> list[dict]:
        names = ("intercept",) + self.terms
        return [{"species": self.species, "surface": self.surface, "term": t, "coef": float(c), "se": float(s),
                 "n": self.n, "r2": self.r2, "resid_sd": self.resid_sd, "condition_number": self.condition_number,
                 "aic": self.aic} for t, c, s in zip(names, self.coef, self.se, strict=True)]


def load_terms(path, fields=None) -> dict:
    """``{species: {"correct": bool, "land": [...], "ocean": [...]}}`` from the terms YAML;
    ConfigError naming the file and key for anything else.

    Parameters
    ----------
    path : path
        The terms YAML (``config/instruments/gosat/mlr_terms.yaml``).
    fields : iterable of str, optional
        The columns a term may name; default the reader's canonical table fields
        (:data:`satcol.instruments.gosat.reader.TABLE_FIELDS`). A term that is not one is a ConfigError naming the
        file and the key (``xco2.land``), not a KeyError deep inside the fit.
    """
    if fields is None:
        from satcol.instruments.gosat.reader import TABLE_FIELDS

        fields = TABLE_FIELDS
    fields = set(fields)
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the MLR terms: {exc}") from None
    out = {}
    for species in ("xco2", "xch4"):
        spec = (doc or {}).get(species)
        if not isinstance(spec, dict):
            raise ConfigError(f"{path}: key {species}: expected a mapping with land, ocean and correct")
        for surface in SURFACES:
            terms = spec.get(surface)
            if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
                raise ConfigError(f"{path}: key {species}.{surface}: expected a list of table columns")
            unknown = [t for t in terms if t not in fields]
            if unknown:
                raise ConfigError(f"{path}: key {species}.{surface}: {unknown} are not columns of the GOSAT table "
                                  f"(known: {sorted(fields)})")
        out[species] = {"correct": bool(spec.get("correct", species == "xco2")),
                        "land": tuple(spec["land"]), "ocean": tuple(spec["ocean"])}
    return out


def design(table: dict, terms, rows=None) -> np.ndarray:
    """(n, 1 + k) design matrix: a column of ones, then the terms' columns."""
    n = len(table["surface"])
    rows = np.arange(n) if rows is None else rows
    cols = [np.ones(len(np.arange(n)[rows]))]
    for t in terms:
        if t not in table:
            raise KeyError(f"MLR term {t!r} is not a column of the table (have {sorted(table)})")
        cols.append(np.asarray(table[t], dtype=np.float64)[rows])
    return np.stack(cols, axis=1)


def fit_surface(delta, table: dict, terms, surface: str, species: str, rows=None) -> MLRFit:
    """OLS of ``delta`` (GOSAT − TCCON, one per row of ``table``) on an intercept and ``terms``
    over the rows of one surface (and ``rows``, a boolean selection such as the kept match-ups).

    Parameters
    ----------
    delta : (n,) array
        ΔX in ppm (XCO2) or ppb (XCH4).
    table : dict of (n,) arrays
        The match-ups' GOSAT quantities (canonical table columns), with ``surface``.
    terms : sequence of str
        Regressors (S23 Sect. 4.5: aot_1p6, dps_hpa[, albedo_o2a]).
    surface : {"land", "ocean"}
    species : str
        Label of the fit (``xco2``, ``xch4``).
    rows : (n,) bool, optional

    Returns
    -------
    MLRFit
        Rows with a NaN in ΔX or a term are left out of the fit.
    """
    import statsmodels.api as sm

    delta = np.asarray(delta, dtype=np.float64)
    sel = np.asarray(table["surface"]) == SURFACES[surface]
    if rows is not None:
        sel &= np.asarray(rows, dtype=bool)
    X = design(table, tuple(terms), sel)
    y = delta[sel]
    ok = np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    X, y = X[ok], y[ok]
    if len(y) <= X.shape[1]:
        raise ValueError(f"{species} {surface}: {len(y)} usable match-ups for {X.shape[1]} coefficients")
    res = sm.OLS(y, X).fit()
    return MLRFit(species, surface, tuple(terms), np.asarray(res.params), np.asarray(res.bse), int(res.nobs),
                  float(res.rsquared), float(np.sqrt(res.scale)), float(res.condition_number), float(res.aic))


def usable_rows(delta, table: dict, terms, surface: str, rows=None) -> int:
    """Number of rows of one surface (and ``rows``) with a finite ΔX and finite terms: the
    match-ups :func:`fit_surface` would use."""
    delta = np.asarray(delta, dtype=np.float64)
    sel = np.asarray(table["surface"]) == SURFACES[surface]
    if rows is not None:
        sel &= np.asarray(rows, dtype=bool)
    X = design(table, tuple(terms), sel)
    return int(np.count_nonzero(np.isfinite(delta[sel]) & np.all(np.isfinite(X), axis=1)))


def fit(delta, table: dict, terms: dict, species: str, rows=None, min_matchups: int | None = None) -> dict:
    """Both surfaces' fits of one species: ``{"land": MLRFit, "ocean": MLRFit}``; ``terms`` is
    one species' entry of :func:`load_terms`.

    With ``min_matchups``, a surface with fewer usable match-ups than that is not fitted and is
    absent from the result (:func:`correct` leaves its soundings uncorrected and
    :func:`not_fitted_mask` marks them); without it, a surface that cannot be fitted raises."""
    out = {}
    for s in SURFACES:
        if min_matchups is not None and usable_rows(delta, table, terms[s], s, rows) < int(min_matchups):
            continue
        out[s] = fit_surface(delta, table, terms[s], s, species, rows)
    return out


def correct(x, table: dict, fits: dict) -> np.ndarray:
    """X_corr = X − (c0 + Σ c_k q_k) with the fit of each sounding's surface (S23 Sect. 4.5);
    the column unchanged for a land or ocean sounding whose surface has no fit (too few
    match-ups: :func:`not_fitted_mask`); NaN for mixed scenes and where a term is NaN.
    Vectorised over all soundings."""
    x = np.asarray(x, dtype=np.float64)
    surface = np.asarray(table["surface"])
    out = np.where(np.isin(surface, list(SURFACES.values())), x, np.nan)
    for name, f in fits.items():
        sel = surface == SURFACES[name]
        out[sel] = x[sel] - f.predict(table, sel)
    return out


def not_fitted_mask(table: dict, fits: dict) -> np.ndarray:
    """Boolean: land or ocean soundings whose surface has no fit in ``fits`` (left uncorrected;
    QC bit ``mlr_not_fitted``)."""
    surface = np.asarray(table["surface"])
    missing = [code for name, code in SURFACES.items() if name not in fits]
    return np.isin(surface, missing)


def corrected_column(x, table: dict, fits: dict, spec: dict) -> np.ndarray:
    """The column as the product reports it: :func:`correct` where the species' terms say
    ``correct: true`` (S23: XCO2), else the column unchanged (S23: XCH4 is not corrected)."""
    return correct(x, table, fits) if spec["correct"] else np.asarray(x, dtype=np.float64).copy()


def fits_table(fits: dict) -> pd.DataFrame:
    """One row per coefficient of every fit (species, surface, term, coef, se, diagnostics)."""
    cols = ["species", "surface", "term", "coef", "se", "n", "r2", "resid_sd", "condition_number", "aic"]
    return pd.DataFrame([r for f in fits.values() for r in f.as_rows()], columns=cols)
