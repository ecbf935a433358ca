"""CF per-sounding export of one month of a plug-in instrument without an exporter of its own,
named by its species (satcol.export.products.generic_sounding_dataset; thin wrapper)."""

import json

import numpy as np
import xarray as xr

from satcol import instruments
from satcol.core import config, ioutil, logutil, provenance, store
from satcol.export import products as export

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards  # noqa: F821
config.load_plugins(params.plugins)
instrument = instruments.get(wc.instrument)
if wc.species != instrument.primary_species.export_name:
    raise config.ConfigError(f"{instrument.name} exports {instrument.primary_species.export_name}, not {wc.species}")
table = store.read_soundings(inp.table)
corrected = store.read_soundings(inp.corrected)
with xr.open_dataset(inp.profiles, engine="h5netcdf") as prof:
    profiles = {v: prof[v].values for v in ("pressure", "prior_vmr", "averaging_kernel", "column_averaging_kernel")
                if v in prof}
with open(inp.store_report) as f:
    prov = provenance.with_store(params.run_config, json.load(f), inputs=[inp.corrected],
                                 upstream=[provenance.recorded_config_hash(inp.corrected)])
ds = export.generic_sounding_dataset(table, corrected, profiles, instrument, prov, wc.ym)
export.write_netcdf(ds, out.soundings, params.export["compression_level"])
q = corrected["qc"].to_numpy()
report = {"month": wc.ym, "instrument": instrument.name, "species": wc.species, "n_soundings": int(q.size),
          "n_kept": int(np.count_nonzero(q == 0)), "provenance": prov}
ioutil.write_json(report, out.report)
log.info("%s", {k: v for k, v in report.items() if k != "provenance"})
