"""Instrument readers. Instrument specifics live here; downstream sees canonical names."""
