"""The GOSAT declaration (docs/instruments.md): what satcol's instrument-neutral stages need to
know about GOSAT TANSO-FTS SWIR L2.

Reader :mod:`satcol.instruments.gosat.reader` (NIES daily files, CO2 product ``C01S`` and CH4 product ``C02S``,
V02.xx and V03.xx, docs/formats-gosat.md); state space ``vmr`` on the product's 15 retrieval
layers, whose pressures and column weights come with each sounding (so the grid gives no
functions of its own); QC bits from the screening table ``config/instruments/gosat/screening_s23.yaml``
(S23 Table 3, :mod:`satcol.instruments.gosat.screening`); no prefilter hooks (the screening is one stage);
no footprints; correction ``s23_mlr`` (S23 Sect. 4.5, :mod:`satcol.instruments.gosat.mlr`).

The core table's ``xgas*`` columns hold the column of the file's own species (XCO2 in ppm from a
C01S file, XCH4 in ppb from a C02S file; docs/instruments.md); the diagnostics are the S23
screening and regression quantities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from satcol.core.config import REPO_DIR
from satcol.core.errors import BadInputError
from satcol.core.qcbits import QCRegistry
from satcol.instruments.base import (
    CORE_COLUMNS,
    Instrument,
    Species,
    VerticalGrid,
)
from satcol.instruments.gosat import reader
from satcol.instruments.gosat import screening as gosat_screening

#: The screening table shipped with satcol (S23 Table 3).
SCREENING_TABLE = REPO_DIR / "config" / "instruments" / "gosat" / "screening_s23.yaml"
#: Retrieval layers of the NIES product (docs/formats-gosat.md).
N_LAYERS = 15

#: Species of the two products, in product-code order: name, store column, export name, units,
#: CF standard name, long name.
SPECIES = (
    Species("co2", "xgas", "xco2", "1e-6", "mole_fraction_of_carbon_dioxide_in_air",
            "CO2 column-averaged dry-air mole fraction"),
    Species("ch4", "xgas", "xch4", "1e-9", "mole_fraction_of_methane_in_air",
            "CH4 column-averaged dry-air mole fraction"),
)

#: GOSAT's own columns of the canonical table: name -> (units, meaning) (reader names).
DIAGNOSTICS = {
    "gain_m": ("1", "1 where the first polarisation was observed with gain M"),
    "gain_mixed": ("1", "1 where the two polarisations have different gains"),
    "cross_track": ("1", "cross-track observation point"),
    "land_fraction": ("percent", "land fraction"),
    "vza": ("degree", "satellite zenith angle"),
    "psurf_apriori": ("hPa", "a priori surface pressure"),
    "dps_hpa": ("hPa", "retrieved minus a priori surface pressure"),
    "aot_1p6": ("1", "retrieved aerosol optical thickness at 1.6 um, summed over types"),
    "albedo_o2a": ("1", "retrieved surface albedo, O2 A sub-band mean"),
    "blended_albedo": ("1", "2.4 albedo_o2a - 1.13 albedo_sco2 (Wunch et al. 2011)"),
    "cot": ("1", "cloud optical thickness"),
    "snr_o2a": ("1", "signal to noise ratio of the O2 A sub-band"),
    "rms_o2a": ("1", "mean square normalised residual, O2 A sub-band"),
    "rms_sco2": ("1", "mean square normalised residual, strong CO2 sub-band"),
    "iterations": ("1", "number of iterations (NaN: invalid)"),
}
_DIAG_TYPES = {"gain_m": "int8", "gain_mixed": "int8", "cross_track": "int8"}
COLUMNS = {**CORE_COLUMNS, **{k: _DIAG_TYPES.get(k, "float32") for k in DIAGNOSTICS}}

PROFILE_VARS = {
    "pressure": (("sounding", "level"), "hPa", "mid-layer pressure of the retrieval layers (surface first)"),
    "prior_vmr": (("sounding", "level"), "species units", "a priori dry-air mole fraction per layer"),
    "column_averaging_kernel": (("sounding", "level"), "1", "column averaging kernel per layer"),
    "pressure_weight": (("sounding", "level"), "1", "dry-air partial column / total (sums to 1)"),
}
LEVEL_DESCRIPTION = ("GOSAT retrieval layers, surface first (15 layers of the NIES product; pressures and weights "
                     "per sounding); X = X_a + sum_j w_j a_j (x_j - x_a,j)")


@dataclass(frozen=True)
class GosatFileInfo:
    """The interface's :class:`~satcol.instruments.base.FileInfo` of a NIES file name."""

    path: Path
    date: dt.date
    version: str  #: product version 'vv.vv'
    product_code: str  #: C01S or C02S
    beta: bool = False

    @property
    def version_key(self) -> tuple:
        return tuple(int(p) for p in self.version.split("."))

    @property
    def species(self) -> str:
        """'CO2' or 'CH4'."""
        return reader.PRODUCTS[self.product_code]


def parse_filename(path) -> GosatFileInfo:
    """The date, product code and version of a NIES daily file name
    (``GOSATTFTS{YYYYMMDD}_02{C01S|C02S}V{vvvv}R{yymmdd}GU000.h5``).

    Raises
    ------
    BadInputError
        ``bad_filename`` for another name (also the H2O product C03S, which satcol does not read).
    """
    got = reader.parse_filename(path)
    if got is None or got[1] not in reader.PRODUCTS:
        raise BadInputError(path, "bad_filename",
                            "not a NIES GOSAT L2 CO2/CH4 daily file name (GOSATTFTSYYYYMMDD_02C01S|C02SVvvvvR...h5)")
    return GosatFileInfo(Path(path), got[0], got[2], got[1])


def read(path) -> tuple[dict, dict]:
    """One NIES L2 file as the canonical core table (``xgas*`` = the file's species, ppm or ppb)
    with GOSAT's diagnostics, and the profile arrays (:func:`satcol.instruments.gosat.reader.read_gosat`)."""
    t, p, info = reader.read_gosat(path)
    x = reader.SPECIES[info.species]["variable"]
    table = {
        "time": (np.asarray(t["time"], np.float64) * 1e6).astype("datetime64[us]"),
        "lat": t["lat"].astype(np.float32), "lon": t["lon"].astype(np.float32),
        "surface": t["surface"].astype(np.int8), "sza": t["sza"].astype(np.float32),
        "psurf": t["psurf_hpa"].astype(np.float32), "xgas": t[x].astype(np.float32),
        "xgas_error": t[f"{x}_error"].astype(np.float32), "xgas_prior": t[f"{x}_apriori"].astype(np.float32),
        "dof": t["dof"].astype(np.float32),
        "gain_m": (np.asarray(t["gain"]).astype(str) == "M").astype(np.int8),
        "psurf_apriori": t["psurf_apriori_hpa"].astype(np.float32),
    }
    for k, dtype in COLUMNS.items():
        if k not in table and k in t:
            table[k] = np.asarray(t[k]).astype(dtype)
    profiles = {"pressure": p["layer_pressure_hpa"], "prior_vmr": p[f"{x}_apriori_profile"],
                "column_averaging_kernel": p["column_ak"], "pressure_weight": p["pressure_weight"]}
    return table, profiles


def input_fill_mask(table: dict, profiles: dict) -> np.ndarray:
    """Soundings missing a value the pipeline needs: time, position, the column, its error and
    prior, the a priori surface pressure, or a non-finite column AK, weight or prior profile
    (as :func:`satcol.instruments.gosat.reader.input_fill_mask` on the reader's names)."""
    bad = np.zeros(len(table["xgas"]), dtype=bool)
    for key in ("lat", "lon", "xgas", "xgas_error", "xgas_prior", "psurf_apriori"):
        bad |= ~np.isfinite(np.asarray(table[key], np.float64))
    bad |= np.isnat(np.asarray(table["time"]))
    for key in ("column_averaging_kernel", "pressure_weight", "prior_vmr"):
        bad |= ~np.all(np.isfinite(profiles[key]), axis=1)
    return bad


def qc_registry(screening_path=SCREENING_TABLE) -> QCRegistry:
    """GOSAT's QC registry: the core ``input_fill`` bit plus the screening table's fixed and
    criterion bits (:func:`satcol.instruments.gosat.screening.load_screening`), which keep their numbers."""
    scr = gosat_screening.load_screening(screening_path)
    return QCRegistry("gosat", [b for b in scr.registry if b.name != "input_fill"])


INSTRUMENT = Instrument(
    name="gosat",
    title="GOSAT TANSO-FTS SWIR",
    species=SPECIES,
    file_pattern=reader.FILENAME_RE,
    parse_filename=parse_filename,
    read=read,
    input_fill=input_fill_mask,
    columns=COLUMNS,
    diagnostics=DIAGNOSTICS,
    profile_vars=PROFILE_VARS,
    profile_dims={"level": N_LAYERS},
    grid=VerticalGrid("vmr", N_LAYERS, LEVEL_DESCRIPTION),
    qc=qc_registry(),
    footprints=None,
    correction="s23_mlr",
)
