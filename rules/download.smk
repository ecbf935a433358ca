# Downloads (download.enabled: true; docs/download.md "Getting real data (downloads)"). Each job fetches and verifies
# the files of one month or site and writes a manifest; ingest takes the manifests as inputs
# (PLAN.mopitt_files / PLAN.tccon_files, satcol.download.plan). With download.enabled false no
# rule here exists and the job graph is the one of the input globs or the synthetic default.

from satcol.download import plan as download_plan  # noqa: E402

if config["download"]["enabled"]:

    wildcard_constraints:
        product=r"[A-Za-z0-9_.-]+",

    rule download_mopitt_month:
        output:
            "results/download/mopitt/{ym}.json",
        params:
            mopitt=cfg("download", "mopitt", drop=("enabled",)),
            transfer=cfg("download", only=("data_dir", "retries", "backoff_s", "timeout_s")),
        log:
            "results/logs/download/mopitt/{ym}.log",
        conda:
            "../envs/satcol.yaml"
        script:
            "../scripts/download_mopitt.py"

    rule download_tccon_site:
        input:
            sites_table=PLAN.sites_table,
        output:
            "results/download/tccon/{site}.json",
        params:
            tccon=cfg("download", "tccon", drop=("enabled", "sites")),
            transfer=cfg("download", only=("data_dir", "retries", "backoff_s", "timeout_s")),
        log:
            "results/logs/download/tccon/{site}.log",
        conda:
            "../envs/satcol.yaml"
        script:
            "../scripts/download_tccon.py"

    rule download_gosat_month:
        output:
            "results/download/gosat/{product}/{ym}.json",
        params:
            gosat=cfg("download", "gosat", drop=("enabled", "products")),
            transfer=cfg("download", only=("data_dir", "retries", "backoff_s", "timeout_s")),
        log:
            "results/logs/download/gosat/{product}/{ym}.log",
        conda:
            "../envs/satcol.yaml"
        script:
            "../scripts/download_gosat.py"

    rule download:
        """Only the downloads: `snakemake download --cores 2` (GOSAT too, when enabled)."""
        input:
            expand("results/download/mopitt/{ym}.json", ym=PLAN.months),
            expand("results/download/tccon/{site}.json", site=PLAN.sites),
            download_plan.gosat_manifests(config),
