"""Write results/osse/recovery.csv (thin wrapper)."""

import json

import pandas as pd

from satcol import closed_loop, ioutil, logutil, recovery

log = logutil.setup(snakemake.log[0])  # noqa: F821
table = recovery.recovery_table(pd.read_csv(snakemake.input.fits), pd.read_csv(snakemake.input.bins),  # noqa: F821
                                pd.read_csv(snakemake.input.features),  # noqa: F821
                                snakemake.config, snakemake.params.origin)  # noqa: F821
with open(snakemake.input.validation) as f:  # noqa: F821
    table = pd.concat([table, pd.DataFrame(recovery.scale_rows(json.load(f), snakemake.config))], ignore_index=True)  # noqa: F821
partials = []
for p in snakemake.input.closed_loop:  # noqa: F821
    with open(p) as f:
        partials.append(json.load(f))
scale_to = snakemake.config["export"]["scale_to"]  # noqa: F821
truth = snakemake.config["synthetic"]["truth"]  # noqa: F821
# The scale the export should have divided by (tccon_unscaled has no single expected value:
# the MOPITT kernel sees only part of the TCCON scaling).
injected = ({"tccon_standard": truth["global_scale"], "none": 1.0}.get(scale_to)
            if snakemake.config["export"]["scale_factor"] is None else None)  # noqa: F821
table = pd.concat([table, pd.DataFrame(closed_loop.recovery_rows(partials, injected))], ignore_index=True)
ioutil.write_csv(table, snakemake.output[0])  # noqa: F821
log.info("OSSE recovery: %d of %d within tolerance\n%s", int(table["ok"].sum()), len(table), table.to_string())
