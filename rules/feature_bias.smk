# Feature-bias corrections (H19 Sect. 3.4): global fits from per-month sufficient statistics.


rule feature_bias:
    input:
        expand("results/qc/{ym}/feature_partial.parquet", ym=PLAN.months),
    output:
        fits="results/feature_bias/fits.csv",
        accepted="results/feature_bias/accepted.json",
    params:
        feature_bias=cfg("feature_bias"),
    log:
        "results/logs/feature_bias.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/feature_bias.py"
