# The chain of a plug-in instrument without a chain of its own (config key plugins; docs/instruments.md):
# its store (rule ingest) -> its prefilter hooks (QC bits of its own registry; the hooks' config
# sections under instruments.<name>.prefilter) -> a "corrected" per-month table for an
# instrument whose correction is "none" (the value as retrieved, flagged, none dropped). The
# shared rules take it from there (colocation_candidates, colocate_site, tccon_validation,
# export_generic). MOPITT and GOSAT have chains of their own and are not matched here.


rule prefilter_generic:
    input:
        table="results/{instrument}/store/{ym}/soundings.parquet",
        store_report="results/{instrument}/store/{ym}/report.json",
    output:
        qc="results/{instrument}/qc/{ym}/prefilter.parquet",
    wildcard_constraints:
        instrument=OTHER_INSTRUMENTS_RE,
    params:
        prefilter=lambda wc: cfg("instruments", wc.instrument, "prefilter"),
        plugins=plugin_modules,
    log:
        "results/logs/prefilter_generic/{instrument}/{ym}.log",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/prefilter_generic.py"


rule correct_none:
    input:
        table="results/{instrument}/store/{ym}/soundings.parquet",
        store_report="results/{instrument}/store/{ym}/report.json",
        qc="results/{instrument}/qc/{ym}/prefilter.parquet",
    output:
        corrected="results/{instrument}/corrected/{ym}/soundings.parquet",
        report="results/{instrument}/corrected/{ym}/report.json",
    wildcard_constraints:
        instrument=OTHER_INSTRUMENTS_RE,
    params:
        plugins=plugin_modules,
    log:
        "results/logs/correct_none/{instrument}/{ym}.log",
    conda:
        "../../envs/satcol.yaml"
    script:
        "../../scripts/correct_none.py"
