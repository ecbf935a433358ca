# Ingest: an instrument's raw L2 files of a month -> its canonical store (instrument-neutral:
# the reader, QC bits and columns come from the instrument's declaration); TCCON files ->
# per-site tables.


rule ingest:
    input:
        lambda wc: PLAN.files(wc.instrument)[wc.ym],
    output:
        table="results/{instrument}/store/{ym}/soundings.parquet",
        profiles="results/{instrument}/store/{ym}/profiles.nc",
        report="results/{instrument}/store/{ym}/report.json",
    params:
        on_bad_input=cfg("on_bad_input"),
        # the modules that register a plug-in instrument (none for the built-in MOPITT)
        plugins=lambda wc: [] if wc.instrument == "mopitt" else cfg("plugins"),
    log:
        "results/logs/ingest/{instrument}/{ym}.log",
    benchmark:
        "results/benchmarks/ingest_{instrument}/{ym}.tsv"  # benchmarks/run.py: the directory names the job
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/ingest.py"


rule ingest_tccon:
    input:
        lambda wc: PLAN.tccon_files[wc.site],
    output:
        store="results/store/tccon/{site}.nc",
        report="results/store/tccon/{site}.report.json",
    params:
        period=PLAN.period,
        on_bad_input=cfg("on_bad_input"),
    log:
        "results/logs/ingest_tccon/{site}.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/ingest_tccon.py"
