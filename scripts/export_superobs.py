"""Super-observations of one month from its per-sounding export (thin wrapper)."""

import xarray as xr

from satcol import export, logutil, provenance
from satcol.summary import write_json

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, config = snakemake.input, snakemake.output, snakemake.config  # noqa: F821
ym = snakemake.wildcards.ym  # noqa: F821
models = export.load_models(inp.correlation)
snd = export.read_kept(inp.soundings)
so = export.superobs_from_soundings(snd, models, config, snakemake.params.origin)  # noqa: F821
scale = {"value": float(snd["global_scale_factor"]), "source": snd.attrs["global_scale_source"],
         "uncertainty": snd.attrs["global_scale_factor_uncertainty"], "scale_to": snd.attrs["scale_to"]}
prov = provenance.provenance(config, inputs=[inp.soundings, inp.correlation])
ds = export.superobs_dataset(so, scale, models, prov, config["export"]["superobs"], ym, snd.attrs["n_kept"])
export.write_netcdf(ds, out.netcdf, config["export"]["compression_level"])
report = {"month": ym, "n_superobs": int(so["xco"].size), "n_soundings_used": int(so["n_soundings"].sum()),
          "n_kept": int(snd.attrs["n_kept"]),
          "median_n_effective_over_n": float(xr.DataArray(so["n_effective"] / so["n_soundings"]).median())
          if so["xco"].size else None}
write_json(report, out.report)
log.info("%s", report)
