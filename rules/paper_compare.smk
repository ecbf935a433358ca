# The papers' headline numbers beside this run's (issue 23 item 2): results/tables/paper_vs_run.csv,
# with its provenance in paper_vs_run.json. The published numbers are package data
# (src/satcol/data/published.yaml), an input like the other table files.


rule paper_vs_run:
    input:
        published=os.path.join(workflow.basedir, "src", "satcol", "data", "published.yaml"),
        summary="results/summary.json",
        validation="results/mopitt/validation/tccon.json",
        days="results/mopitt/validation/days.csv",
        soundings=expand("results/mopitt/colocation/sites/{site}_soundings.parquet", site=PLAN.sites),
        gosat=lambda w: gosat_paper_inputs(),  # rules/instruments/gosat_s23.smk; none without GOSAT
    output:
        table="results/tables/paper_vs_run.csv",
        record="results/tables/paper_vs_run.json",
    log:
        "results/logs/paper_vs_run.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/paper_compare.py"


rule report_paper_table:
    input:
        "results/tables/paper_vs_run.csv",
    output:
        report("results/report/tables/paper_vs_run.html", caption="../report/captions/paper_vs_run.rst",
               category=REPORT_PAPERS, subcategory="H19 and S23"),
    log:
        "results/logs/report_paper_table.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/figures_report.py"
