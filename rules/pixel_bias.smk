# Pixel-to-pixel bias: preliminary (H19 Sect. 3.1) and final (Sect. 3.4), global reductions.


rule pixel_bias_preliminary:
    input:
        expand("results/qc/{ym}/pixel_partial_preliminary.parquet", ym=PLAN.months),
    output:
        "results/pixel_bias/preliminary.json",
    params:
        origin=ORIGIN,
        pixel_bias=cfg("pixel_bias", only=("preliminary_bin_days", "year_offsets")),
    log:
        "results/logs/pixel_bias_preliminary.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/pixel_bias_preliminary.py"


rule pixel_bias_final:
    input:
        expand("results/sra2/{ym}/pixel_partial.parquet", ym=PLAN.months),
    output:
        fits="results/pixel_bias/final_fits.csv",
        bins="results/pixel_bias/final_bins.csv",
    params:
        origin=ORIGIN,
        pixel_bias=cfg("pixel_bias"),
        instrument_events=cfg("instrument_events"),
    log:
        "results/logs/pixel_bias_final.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/pixel_bias_final.py"
