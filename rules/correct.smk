# Corrected XCO per month: original, feature and pixel corrections, corrected value, QC bits.


rule correct:
    input:
        table="results/store/mopitt/{ym}/soundings.parquet",
        qc="results/qc/{ym}/filtered.parquet",
        accepted="results/feature_bias/accepted.json",
        fits="results/pixel_bias/final_fits.csv",
    output:
        corrected="results/corrected/{ym}/soundings.parquet",
        report="results/corrected/{ym}/report.json",
    params:
        origin=ORIGIN,
    log:
        "results/logs/correct/{ym}.log",
    benchmark:
        "results/benchmarks/correct/{ym}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/correct.py"
