"""Write results/osse/recovery.csv (thin wrapper)."""

import json

import pandas as pd

from satcol.core import ioutil, logutil
from satcol.instruments.mopitt import filters
from satcol.osse import closed_loop, recovery

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, params = snakemake.input, snakemake.params  # noqa: F821
config = {"synthetic": params.synthetic, "instrument_events": params.instrument_events, "export": params.export,
          "feature_bias": params.feature_bias}
grid = filters.load_candidates(inp.candidates)["max_adjacent_diff"]["breakpoints"]
table = recovery.recovery_table(pd.read_csv(inp.fits), pd.read_csv(inp.bins), pd.read_csv(inp.features),
                                config, params.origin, candidate_breakpoints=grid)
with open(inp.validation) as f:
    table = pd.concat([table, pd.DataFrame(recovery.scale_rows(json.load(f), config))], ignore_index=True)
partials = []
for p in inp.closed_loop:
    with open(p) as f:
        partials.append(json.load(f))
scale_to = config["export"]["scale_to"]
truth = config["synthetic"]["truth"]
# The scale the export should have divided by (tccon_unscaled has no single expected value:
# the MOPITT kernel sees only part of the TCCON scaling).
injected = ({"tccon_standard": truth["global_scale"], "none": 1.0}.get(scale_to)
            if config["export"]["scale_factor"] is None else None)
table = pd.concat([table, pd.DataFrame(closed_loop.recovery_rows(partials, injected))], ignore_index=True)
ioutil.write_csv(table, snakemake.output[0])  # noqa: F821
log.info("OSSE recovery: %d of %d within tolerance\n%s", int(table["ok"].sum()), len(table), table.to_string())
