# MOPITT-TCCON colocation (H19 Sect. 4.1): per-site comparison by day and surface of the
# per-month candidates (grid index over the site boxes, written by the correct job, correct.smk),
# global validation (York fits, drift, LOSO).


rule colocate_site:
    input:
        candidates=expand("results/colocation/candidates/{ym}.nc", ym=PLAN.months),
        tccon="results/store/tccon/{site}.nc",
    output:
        soundings="results/colocation/sites/{site}_soundings.parquet",
        days="results/colocation/sites/{site}_days.csv",
        counts="results/colocation/sites/{site}_counts.json",
    params:
        colocation=cfg("colocation"),
    log:
        "results/logs/colocate_site/{site}.log",
    benchmark:
        "results/benchmarks/colocate_site/{site}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/colocate_site.py"


rule tccon_validation:
    input:
        days=expand("results/colocation/sites/{site}_days.csv", site=PLAN.sites),
        counts=expand("results/colocation/sites/{site}_counts.json", site=PLAN.sites),
        # the stores' attributes name each variant's scale (GGG2014 WMO-scaled / unscaled,
        # GGG2020 the file's own, no unscaled)
        tccon=expand("results/store/tccon/{site}.nc", site=PLAN.sites),
    output:
        summary="results/validation/tccon.json",
        days="results/validation/days.csv",
        per_site="results/validation/per_site.csv",
        loso="results/validation/loso.csv",
    log:
        "results/logs/tccon_validation.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/tccon_validation.py"


rule figures_validation:
    input:
        summary="results/validation/tccon.json",
        days="results/validation/days.csv",
        soundings=expand("results/colocation/sites/{site}_soundings.parquet", site=PLAN.sites),
        candidates=expand("results/colocation/candidates/{ym}.nc", ym=PLAN.months),
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
