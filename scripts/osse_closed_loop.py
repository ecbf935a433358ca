"""OSSE closed loop of one month's export: the observation operator on the truth (thin wrapper)."""

import xarray as xr

from satcol.core import logutil
from satcol.export import products as export
from satcol.osse import closed_loop
from satcol.pipeline.summary import write_json

log = logutil.setup(snakemake.log[0])  # noqa: F821
with xr.open_dataset(snakemake.input.soundings) as obs:  # noqa: F821
    obs.load()
result = closed_loop.partial(obs, export.load_models(snakemake.input.correlation),  # noqa: F821
                             {"export": snakemake.params.export, "sra": snakemake.params.sra},  # noqa: F821
                             snakemake.params.origin)  # noqa: F821
write_json(result, snakemake.output[0])  # noqa: F821
log.info("%s", result)
