# OSSE scoring: recovered values against synthetic.truth (synthetic runs only).


rule osse_recovery:
    input:
        fits="results/pixel_bias/final_fits.csv",
        bins="results/pixel_bias/final_bins.csv",
        features="results/feature_bias/fits.csv",
        validation="results/validation/tccon.json",
        closed_loop=expand("results/osse/closed_loop/{ym}.json", ym=PLAN.months),
        candidates=CONFIG_FILES["candidates"],
    output:
        "results/osse/recovery.csv",
    params:
        origin=ORIGIN,
        feature_bias=cfg("feature_bias", only=("breakpoint",)),
        synthetic=cfg("synthetic", drop=("enabled", "gosat")),
        instrument_events=cfg("instrument_events"),
        export=cfg("export"),
    log:
        "results/logs/osse_recovery.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/osse_recovery.py"


rule osse_closed_loop:
    input:
        soundings="results/export/{ym}/mopitt_xco_soundings_{ym}.nc",
        correlation="results/export/error_correlation.json",
    output:
        "results/osse/closed_loop/{ym}.json",
    params:
        origin=ORIGIN,
        export=cfg("export"),
        sra=cfg("sra"),
    log:
        "results/logs/osse_closed_loop/{ym}.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/osse_closed_loop.py"
