"""Shared test helpers."""

from satcol.config import load_config


def small_config(**synthetic):
    """The default config on a small synthetic record (two months, one day, one orbit)."""
    syn = {"start": "2009-07-01", "end": "2009-08-31", "days_per_month": 1, "orbits_per_day": 1}
    syn.update(synthetic)
    return load_config(overrides={"synthetic": syn})
