# Satellite-TCCON colocation (H19 Sect. 4.1) over {instrument}: per-month candidates (the soundings
# of a value column, raw or corrected, in the site boxes, with their profiles; grid index over the
# boxes), per-site comparison by day and surface, global validation (York fits, drift, LOSO).
# MOPITT's corrected candidates are written by its correct job (rules/instruments/mopitt_h19.smk,
# ruleorder there); colocation_candidates writes the others. Input functions: rules/common.smk.


rule colocation_candidates:
    input:
        table="results/{instrument}/store/{ym}/soundings.parquet",
        profiles="results/{instrument}/store/{ym}/profiles.nc",
        store_report="results/{instrument}/store/{ym}/report.json",
        qc=candidate_qc,
        sites_table=PLAN.sites_table,
    output:
        candidates="results/{instrument}/colocation/candidates/{stage}/{ym}.nc",
        report="results/{instrument}/colocation/candidates/{stage}/{ym}.json",
    params:
        sites=PLAN.sites,
        plugins=plugin_modules,
    log:
        "results/logs/colocation_candidates/{instrument}/{stage}/{ym}.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/colocation_candidates.py"


rule colocate_site:
    input:
        candidates=lambda wc: expand("results/{instrument}/colocation/candidates/corrected/{ym}.nc",
                                     instrument=wc.instrument, ym=PLAN.months_of(wc.instrument)),
        tccon="results/store/tccon/{site}.nc",
    output:
        soundings="results/{instrument}/colocation/sites/{site}_soundings.parquet",
        days="results/{instrument}/colocation/sites/{site}_days.csv",
        counts="results/{instrument}/colocation/sites/{site}_counts.json",
    params:
        colocation=cfg("colocation"),
        plugins=plugin_modules,
    log:
        "results/logs/colocate_site/{instrument}/{site}.log",
    benchmark:
        "results/benchmarks/colocate_site/{instrument}_{site}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/colocate_site.py"


rule tccon_validation:
    input:
        days=expand("results/{{instrument}}/colocation/sites/{site}_days.csv", site=PLAN.sites),
        counts=expand("results/{{instrument}}/colocation/sites/{site}_counts.json", site=PLAN.sites),
        # the stores' attributes name each variant's scale (GGG2014 WMO-scaled / unscaled,
        # GGG2020 the file's own, no unscaled)
        tccon=expand("results/store/tccon/{site}.nc", site=PLAN.sites),
    output:
        summary="results/{instrument}/validation/tccon.json",
        days="results/{instrument}/validation/days.csv",
        per_site="results/{instrument}/validation/per_site.csv",
        loso="results/{instrument}/validation/loso.csv",
    log:
        "results/logs/tccon_validation/{instrument}.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/tccon_validation.py"


rule figures_validation:
    input:
        summary="results/mopitt/validation/tccon.json",
        days="results/mopitt/validation/days.csv",
        soundings=expand("results/mopitt/colocation/sites/{site}_soundings.parquet", site=PLAN.sites),
        candidates=expand("results/mopitt/colocation/candidates/corrected/{ym}.nc", ym=PLAN.months),
        tccon=expand("results/store/tccon/{site}.nc", site=PLAN.sites),
        sites_table=PLAN.sites_table,
    output:
        fig4=report("results/figures/fig4_surface_pressure_scaling.png", caption="../report/captions/fig4.rst",
                    category=REPORT_TCCON, subcategory="MOPITT vs TCCON"),
        fig4_pdf="results/figures/fig4_surface_pressure_scaling.pdf",
        fig5=report("results/figures/fig5_one_to_one_method_II.png", caption="../report/captions/fig5.rst",
                    category=REPORT_TCCON, subcategory="MOPITT vs TCCON"),
        fig5_pdf="results/figures/fig5_one_to_one_method_II.pdf",
        fig5_unscaled=report("results/figures/fig5_one_to_one_method_II_unscaled.png", caption="../report/captions/fig5_unscaled.rst",
                             category=REPORT_TCCON, subcategory="MOPITT vs TCCON"),
        fig5_unscaled_pdf="results/figures/fig5_one_to_one_method_II_unscaled.pdf",
        fig6=report("results/figures/fig6_site_differences.png", caption="../report/captions/fig6.rst",
                    category=REPORT_TCCON, subcategory="MOPITT vs TCCON"),
        fig6_pdf="results/figures/fig6_site_differences.pdf",
        fig7=report("results/figures/fig7_hovmoller.png", caption="../report/captions/fig7.rst",
                    category=REPORT_TCCON, subcategory="MOPITT vs TCCON"),
        fig7_pdf="results/figures/fig7_hovmoller.pdf",
        fig8=report("results/figures/fig8_column_averaging_kernels.png", caption="../report/captions/fig8.rst",
                    category=REPORT_TCCON, subcategory="MOPITT vs TCCON"),
        fig8_pdf="results/figures/fig8_column_averaging_kernels.pdf",
    log:
        "results/logs/figures_validation.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/figures_validation.py"
