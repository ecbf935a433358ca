# Wildcard constraints and helpers shared by all rules.


wildcard_constraints:
    ym=r"\d{4}-\d{2}",
    site=r"[a-z]{2}",
    date=r"\d{8}",
    start=r"\d{8}",
    end=r"\d{8}",


def month_reports():
    return expand("results/store/mopitt/{ym}/report.json", ym=PLAN.months)


def site_reports():
    return expand("results/store/tccon/{site}.report.json", site=PLAN.sites)
