# Ingest: raw L2 files of a month -> canonical store; TCCON files -> per-site tables.


rule ingest_mopitt:
    input:
        lambda wc: PLAN.mopitt_files[wc.ym],
    output:
        table="results/store/mopitt/{ym}/soundings.parquet",
        profiles="results/store/mopitt/{ym}/profiles.nc",
        report="results/store/mopitt/{ym}/report.json",
    params:
        on_bad_input=cfg("on_bad_input"),
    log:
        "results/logs/ingest_mopitt/{ym}.log",
    benchmark:
        "results/benchmarks/ingest_mopitt/{ym}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/ingest_mopitt.py"


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
