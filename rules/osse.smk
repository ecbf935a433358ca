# OSSE scoring: recovered values against synthetic.truth (synthetic runs only).


rule osse_recovery:
    input:
        fits="results/mopitt/pixel_bias/final_fits.csv",
        bins="results/mopitt/pixel_bias/final_bins.csv",
        features="results/mopitt/feature_bias/fits.csv",
        validation="results/mopitt/validation/tccon.json",
        closed_loop=expand("results/osse/closed_loop/{ym}.json", ym=PLAN.months),
        candidates=CONFIG_FILES["candidates"],
    output:
        "results/osse/recovery.csv",
    params:
        origin=ORIGIN,
        feature_bias=cfg("instruments", "mopitt", "feature_bias", only=("breakpoint",)),
        synthetic=cfg("synthetic", drop=("enabled", "gosat")),
        instrument_events=cfg("instruments", "mopitt", "instrument_events"),
        export=cfg("instruments", "mopitt", "export"),
    log:
        "results/logs/osse_recovery.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/osse_recovery.py"


rule osse_closed_loop:
    input:
        soundings="results/mopitt/export/{ym}/mopitt_xco_soundings_{ym}.nc",
        correlation="results/mopitt/export/error_correlation.json",
    output:
        "results/osse/closed_loop/{ym}.json",
    params:
        origin=ORIGIN,
        export=cfg("instruments", "mopitt", "export"),
        sra=cfg("instruments", "mopitt", "sra"),
    log:
        "results/logs/osse_closed_loop/{ym}.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/osse_closed_loop.py"
