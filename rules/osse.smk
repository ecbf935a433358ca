# OSSE scoring: recovered values against synthetic.truth (synthetic runs only).


rule osse_recovery:
    input:
        fits="results/pixel_bias/final_fits.csv",
        bins="results/pixel_bias/final_bins.csv",
        features="results/feature_bias/fits.csv",
        validation="results/validation/tccon.json",
    output:
        "results/osse/recovery.csv",
    params:
        origin=ORIGIN,
    log:
        "results/logs/osse_recovery.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/osse_recovery.py"
