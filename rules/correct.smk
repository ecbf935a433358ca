# Corrected XCO per month: original, feature and pixel corrections, corrected value, QC bits.
# The same job writes the two per-month products that read the corrected soundings: the TCCON
# colocation candidates (H19 Sect. 4; reduced per site by colocate_site) and the pair statistics
# of the error-correlation model (export; reduced by error_correlation). One job instead of
# three saves two process start-ups and two reads of the month (issue #7).


rule correct:
    input:
        table="results/store/mopitt/{ym}/soundings.parquet",
        profiles="results/store/mopitt/{ym}/profiles.nc",
        l2=lambda wc: PLAN.mopitt_files[wc.ym],  # the store's profiles are read from them (issue 22)
        store_report="results/store/mopitt/{ym}/report.json",
        qc="results/qc/{ym}/filtered.parquet",
        accepted="results/feature_bias/accepted.json",
        fits="results/pixel_bias/final_fits.csv",
        sites_table=PLAN.sites_table,
    output:
        corrected="results/corrected/{ym}/soundings.parquet",
        report="results/corrected/{ym}/report.json",
        candidates="results/colocation/candidates/{ym}.nc",
        candidates_report="results/colocation/candidates/{ym}.json",
        pairs="results/export/error_correlation/{ym}.parquet",
    params:
        origin=ORIGIN,
        sites=PLAN.sites,
        instrument_events=cfg("instrument_events"),
        sra=cfg("sra"),
        error_correlation=cfg("export", "error_correlation", only=("bin_km", "max_km")),
    log:
        "results/logs/correct/{ym}.log",
    benchmark:
        "results/benchmarks/correct/{ym}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/correct.py"
