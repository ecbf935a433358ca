# Snow/ice prefilter (H19 Sect. 3.1-3.2) and the partial sums of the preliminary pixel bias.


rule prefilter:
    input:
        table="results/store/mopitt/{ym}/soundings.parquet",
    output:
        qc="results/qc/{ym}/prefilter.parquet",
        partial="results/qc/{ym}/pixel_partial_preliminary.parquet",
    params:
        origin=ORIGIN,
        prefilter=cfg("prefilter"),
        pixel_bias=cfg("pixel_bias", only=("preliminary_bin_days",)),
    log:
        "results/logs/prefilter/{ym}.log",
    benchmark:
        "results/benchmarks/prefilter/{ym}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/prefilter.py"
