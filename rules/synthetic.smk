# The embedded default: synthetic MOPITT L2 and TCCON files written in the real formats.


rule synthesize_mopitt_day:
    output:
        he5=f"results/synthetic/mopitt/MOP02J-{{date}}-L2V{config['synthetic']['product_version']}.he5",
        truth="results/synthetic/truth/MOP02J-{date}-truth.parquet",
    params:
        # A day depends on the truth and the record start, not on how many days are drawn.
        synthetic=cfg("synthetic", drop=("end", "days_per_month", "enabled", "gosat")),
    log:
        "results/logs/synthesize_mopitt/{date}.log",
    benchmark:
        "results/benchmarks/synthesize_mopitt/{date}.tsv"
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/synthesize_mopitt.py"


rule synthesize_tccon_site:
    input:
        sites_table=PLAN.sites_table,
    output:
        "results/synthetic/tccon/{site}{start}_{end}.public.nc",
    params:
        synthetic=cfg("synthetic", drop=("enabled", "gosat")),
    log:
        "results/logs/synthesize_tccon/{site}{start}_{end}.log",
    conda:
        "../envs/satcol.yaml"
    script:
        "../scripts/synthesize_tccon.py"
