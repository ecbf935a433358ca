# The paper's QC figures and the filter table (H19 Figs. 1-3, Table 3 with counts).


rule figures_qc:
    input:
        diagnostics="results/filters/diagnostics.csv",
        after=expand("results/qc/{ym}/diagnostics_after_partial.parquet", ym=PLAN.months),
        applied="results/filters/applied.yaml",
        prelim="results/pixel_bias/preliminary.json",
        final_bins="results/pixel_bias/final_bins.csv",
        fig1_table=f"results/store/mopitt/{PLAN.fig1_month}/soundings.parquet",
        fig1_qc=f"results/qc/{PLAN.fig1_month}/prefilter.parquet",
        corrected=expand("results/corrected/{ym}/report.json", ym=PLAN.months),
        candidates=CONFIG_FILES["candidates"],
    output:
        fig1=report("results/figures/fig1_pixel2_minus_pixel4.png", caption="../docs/captions/fig1.rst", category="QC"),
        fig2=report("results/figures/fig2_pixel_bias_timeseries.png", caption="../docs/captions/fig2.rst", category="QC"),
        fig2_final=report("results/figures/fig2_final_pixel_bias_timeseries.png", caption="../docs/captions/fig2.rst", category="QC"),
        fig3=directory("results/figures/fig3"),
        table="results/tables/filters_applied.csv",
    params:
        month=PLAN.fig1_month,
        pixel_bias=cfg("pixel_bias"),
        instrument_events=cfg("instrument_events"),
    log:
        "results/logs/figures_qc.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/figures_qc.py"
