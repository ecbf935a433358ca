"""Core utilities every layer uses: configuration, errors, provenance, atomic I/O, logging, time,
the land mask, the QC-bit registry type, binned sufficient statistics and the monthly store."""
