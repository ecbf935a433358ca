"""CF-1.8 per-sounding files of GOSAT XCO2/XCH4 for assimilation (issue 21 item 9).

One file per species and month (``gosat_fts_swir_<species>_soundings_YYYY-MM.nc``), every
ingested sounding (flagged ones too, with the GOSAT QC bitmask from the instrument's registry via
:func:`satcol.export.products.qc_variable`): the MLR-corrected column and its correction, the column
before correction, the total error, the a priori column, and per retrieval layer (surface first)
the column averaging kernel, the a priori profile, the pressure weights and the layer pressures,
so that a model profile x_m gives the GOSAT-equivalent column
X_m = X_a + sum_j h_j a_j (x_m,j - x_a,j) (state space ``vmr``; docs/formats-gosat.md). Built
from the CF helpers of :mod:`satcol.export.products`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from satcol.core.provenance import netcdf_attrs
from satcol.core.qcbits import QC_DTYPE, QCRegistry
from satcol.core.store import check_store_order
from satcol.export import products as ex
from satcol.instruments.gosat.instrument import INSTRUMENT

#: Species name -> (Species of the declaration, units of the store's values).
_SPECIES = {s.export_name: s for s in INSTRUMENT.species}
_GAS = {"xco2": "co2", "xch4": "ch4"}


def file_name(species: str, month: str) -> str:
    """``gosat_fts_swir_<species>_soundings_YYYY-MM.nc`` (docs/instruments.md, the export's names)."""
    return f"gosat_fts_swir_{species}_soundings_{month}.nc"


def sounding_dataset(table: pd.DataFrame, corrected: pd.DataFrame, profiles: dict, registry: QCRegistry,
                     species: str, prov: dict, month: str) -> xr.Dataset:
    """The CF-1.8 dataset of one species and month.

    Parameters
    ----------
    table : DataFrame
        The store's soundings of the month (:func:`satcol.pipeline.gosat.ingest_month`).
    corrected : DataFrame
        The same soundings in the same order, from the corrected record (``qc`` after screening,
        ``<species>_corrected``, ``<species>_mlr_correction``; ppm or ppb).
    profiles : dict of (n, 15) arrays
        The store's profiles (surface first): ``column_ak``, ``pressure_weight``,
        ``<species>_apriori_profile``, ``layer_pressure_hpa``.
    registry : QCRegistry
        GOSAT's QC bits (flag_masks / flag_meanings of the ``qc`` variable).
    species : {"xco2", "xch4"}
    prov : dict
        Provenance (:func:`satcol.core.provenance.provenance`), written as global attributes.
    month : str
        'YYYY-MM'.

    Returns
    -------
    xarray.Dataset
        Dimensions ``sounding`` and ``layer``.

    Raises
    ------
    RuntimeError
        If the corrected soundings are not the store's, in its order.
    """
    check_store_order(table, corrected, f"GOSAT export {species} {month}")
    sp = _SPECIES[species]
    gas = _GAS[species]
    d, lay = "sounding", "layer"
    units = sp.units
    qc = corrected["qc"].to_numpy().astype(QC_DTYPE)
    n_layers = np.asarray(profiles["column_ak"]).shape[1]
    f32 = np.float32
    data = {
        "qc": ex.qc_variable(d, qc, registry),
        species: ex._var((d,), corrected[f"{species}_corrected"].to_numpy(f32), f"{sp.long_name}, bias-corrected: "
                         f"{species}_original - {species}_mlr_correction (Someya et al. 2023 Sect. 4.5)", units,
                         standard_name=sp.standard_name, ancillary_variables=f"{species}_error qc"),
        f"{species}_original": ex._var((d,), table[species].to_numpy(f32), f"{sp.long_name} as retrieved", units,
                                       standard_name=sp.standard_name),
        f"{species}_mlr_correction": ex._var((d,), corrected[f"{species}_mlr_correction"].to_numpy(f32),
                                             "MLR bias correction subtracted from the retrieved column (0 where the "
                                             "species is not corrected)", units),
        f"{species}_error": ex._var((d,), table[f"{species}_error"].to_numpy(f32), "total retrieval error of the "
                                    "column: root sum of squares of the four NIES error components", units),
        f"{species}_apriori": ex._var((d,), table[f"{species}_apriori"].to_numpy(f32),
                                      "a priori column-averaged dry-air mole fraction X_a", units),
        f"prior_{gas}_vmr": ex._var((d, lay), np.asarray(profiles[f"{species}_apriori_profile"], f32),
                                    "a priori dry-air mole fraction per retrieval layer x_a", units),
        "column_averaging_kernel": ex._var((d, lay), np.asarray(profiles["column_ak"], f32),
                                           "column averaging kernel per retrieval layer a_j", "1"),
        "pressure_weight": ex._var((d, lay), np.asarray(profiles["pressure_weight"], f32),
                                   "pressure weight h_j: dry-air partial column of the layer / total (sums to 1)",
                                   "1"),
        "layer_pressure": ex._var((d, lay), np.asarray(profiles["layer_pressure_hpa"], f32),
                                  "pressure at the middle of the layer's dry-air column", "hPa",
                                  standard_name="air_pressure"),
        "surface_pressure": ex._var((d,), table["psurf_hpa"].to_numpy(f32), "retrieved surface pressure", "hPa",
                                    standard_name="surface_air_pressure"),
        "surface": ((d,), table["surface"].to_numpy(np.int8),
                    {"long_name": "surface type (land fraction: 0 ocean, 1 land, 2 mixed)",
                     "flag_values": np.array([0, 1, 2], dtype=np.int8), "flag_meanings": "water land mixed"}),
        "gain_m": ex._var((d,), (table["gain"].astype(str).to_numpy() == "M").astype(np.int8),
                          "1 where the sounding was observed with gain M, 0 gain H"),
        "solar_zenith_angle": ex._var((d,), table["sza"].to_numpy(f32), "solar zenith angle", "degree",
                                      standard_name="solar_zenith_angle"),
        "sounding_date": ex._var((d,), (table["sounding_id"].to_numpy(np.int64) // 1_000_000).astype(np.int32),
                                 "UTC date of the sounding's L2 file as YYYYMMDD; satcol's sounding id is "
                                 "sounding_date * 10^6 + source_index"),
        "source_index": ex._var((d,), table["source_index"].to_numpy(np.int32),
                                "index of the sounding in its source file"),
    }
    coords = {"time": ex._time_coord(d, table["time"].to_numpy(np.float64)),
              "lat": ex._var((d,), table["lat"].to_numpy(f32), "latitude", "degrees_north", standard_name="latitude"),
              "lon": ex._var((d,), table["lon"].to_numpy(f32), "longitude", "degrees_east", standard_name="longitude"),
              lay: (lay, np.arange(n_layers, dtype=np.int32),
                    {"long_name": "retrieval layer, 0 = the layer at the surface", "comment": INSTRUMENT.grid.description})}
    ds = xr.Dataset(data, coords=coords)
    n_kept = int(np.count_nonzero(qc == 0))
    attrs = {"Conventions": "CF-1.8",
             "title": f"satcol GOSAT TANSO-FTS SWIR {species.upper()} observations for assimilation, per sounding, "
                      f"{month}",
             "institution": "satcol",
             "source": "GOSAT TANSO-FTS SWIR L2 (NIES) screened and bias-corrected by satcol after Someya et al. (2023)",
             "references": "Someya et al. (2023), AMT 16, 1477, doi:10.5194/amt-16-1477-2023",
             "history": f"satcol {prov['satcol_version']} (git {prov['git_commit']}): GOSAT export",
             "comment": "Observation operator: X_m = X_a + sum_j pressure_weight_j column_averaging_kernel_j "
                        "(x_m,j - x_a,j) on the file's layers (state space: mole fraction).",
             "month": month, "n_soundings": len(table), "n_kept": n_kept, "n_flagged": len(table) - n_kept,
             **netcdf_attrs(prov)}
    ds.attrs = attrs
    return ds


def observation_operator(ds: xr.Dataset, species: str, model_vmr) -> np.ndarray:
    """The column a sounding of the file would see for a model profile ``model_vmr`` (n, layer)
    on the file's layers, in the file's units: X_a + sum_j h_j a_j (x_m,j - x_a,j)."""
    gas = _GAS[species]
    h = ds["pressure_weight"].to_numpy().astype(np.float64)
    a = ds["column_averaging_kernel"].to_numpy().astype(np.float64)
    xa = ds[f"prior_{gas}_vmr"].to_numpy().astype(np.float64)
    return ds[f"{species}_apriori"].to_numpy().astype(np.float64) + np.sum(h * a * (np.asarray(model_vmr, np.float64) - xa),
                                                                  axis=1)


def write(ds: xr.Dataset, path) -> None:
    """Write atomically with the export's encoding (:func:`satcol.export.products.write_netcdf`)."""
    ex.write_netcdf(ds, path)
