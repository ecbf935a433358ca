"""Partial binned statistics and their exact reduction.

Per-month jobs compute sums per group (count, sum, sum of squares, and inverse-variance
weighted sums); global rules add them up. Means, RMS and weighted means computed from the
reduced sums equal those of a direct computation on the concatenated data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ACCUMULATORS = ("n", "sum", "sumsq", "sw", "swx")


def _packed(cols: list[np.ndarray]):
    """Pack integer key columns into one int64 code (mixed radix over each column's range, so
    code order is lexicographic key order); None if the key space is too large for int64."""
    cols = [np.asarray(c, dtype=np.int64) for c in cols]
    lows = [int(c.min()) for c in cols]
    spans = [int(c.max()) - lo + 1 for c, lo in zip(cols, lows, strict=True)]
    if float(np.prod(np.array(spans, dtype=np.float64))) >= 2.0**62:
        return None
    code = np.zeros(cols[0].shape, dtype=np.int64)
    for c, lo, span in zip(cols, lows, spans, strict=True):
        code = code * span + (c - lo)
    return code, lows, spans


def _unpack(ucode, lows, spans) -> list[np.ndarray]:
    out = []
    for lo, span in zip(reversed(lows), reversed(spans), strict=True):
        out.append(ucode % span + lo)
        ucode = ucode // span
    return out[::-1]


def _dense(code, spans) -> bool:
    """A key space small enough to count into directly (no sort needed)."""
    return int(np.prod(np.array(spans, dtype=np.int64))) <= max(1 << 22, 2 * code.size)


def group_ids(cols: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique combinations of integer key columns (lexicographic order) and the group index of
    each row. The columns are packed into one int64, so a single 1-D sort (or, for a small key
    space, a counting pass) does the work of ``np.unique(axis=0)``, which sorts rows as records
    and is ~20x slower."""
    packed = _packed(cols)
    if packed is None:
        uniq, inv = np.unique(np.stack([np.asarray(c, dtype=np.int64) for c in cols], axis=1), axis=0,
                              return_inverse=True)
        return [uniq[:, i] for i in range(len(cols))], inv.ravel()
    code, lows, spans = packed
    if _dense(code, spans):
        present = np.bincount(code) > 0
        ucode = np.flatnonzero(present)
        inv = (np.cumsum(present) - 1)[code]
    else:
        ucode, inv = np.unique(code, return_inverse=True)
    return _unpack(ucode, lows, spans), inv.ravel()


def partial(keys: dict, values, weights=None) -> pd.DataFrame:
    """Sums of ``values`` per unique combination of ``keys`` (dict of name -> int array).

    Rows with a non-finite value or weight are left out. Returns one row per group with the
    key columns and n, sum, sumsq, sw (sum of weights) and swx (sum of weight * value).
    """
    v = np.asarray(values, dtype=np.float64)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    ok = np.isfinite(v) if w is None else np.isfinite(v) & np.isfinite(w)
    names = list(keys)
    cols = [np.asarray(keys[k])[ok].astype(np.int64) for k in names]
    v = v[ok]
    w = np.ones_like(v) if w is None else w[ok]
    if v.size == 0:
        return pd.DataFrame({**{k: np.zeros(0, np.int64) for k in names}, **{a: np.zeros(0) for a in ACCUMULATORS}})
    packed = _packed(cols)
    if packed is not None and _dense(packed[0], packed[2]):
        return _dense_sums(names, *packed, v, None if weights is None else w)
    uniq, inv = group_ids(cols)
    m = uniq[0].size
    out = {k: uniq[i] for i, k in enumerate(names)}
    out["n"] = np.bincount(inv, minlength=m).astype(np.float64)
    out["sum"] = np.bincount(inv, v, minlength=m)
    out["sumsq"] = np.bincount(inv, v * v, minlength=m)
    out["sw"] = np.bincount(inv, w, minlength=m)
    out["swx"] = np.bincount(inv, w * v, minlength=m)
    return pd.DataFrame(out)


class PackedKeys:
    """Integer key columns packed into one int64 code (mixed radix, lexicographic order), to be
    reused by several :func:`partial_subsets` calls; :meth:`prepend` adds a leading column
    without repacking the others (the filter diagnostics: one bin column per candidate in
    front of the same surface and pixel columns)."""

    def __init__(self, names, cols, code, lows, spans):
        self.names, self.cols, self.code, self.lows, self.spans = names, cols, code, lows, spans

    @classmethod
    def of(cls, keys: dict) -> PackedKeys:
        names = list(keys)
        cols = [np.asarray(keys[k], dtype=np.int64) for k in names]
        packed = _packed(cols) if cols[0].size else None
        return cls(names, cols, *(packed or (None, None, None)))

    def prepend(self, name: str, col) -> PackedKeys:
        col = np.asarray(col, dtype=np.int64)
        if self.code is None or col.size == 0:
            return PackedKeys.of({name: col, **dict(zip(self.names, self.cols, strict=True))})
        lo, span = int(col.min()), int(col.max()) - int(col.min()) + 1
        tail = int(np.prod(np.array(self.spans, dtype=np.int64)))
        if float(span) * float(tail) >= 2.0**62:
            return PackedKeys([name, *self.names], [col, *self.cols], None, None, None)
        code = (col - lo) * tail + self.code
        return PackedKeys([name, *self.names], [col, *self.cols], code, [lo, *self.lows], [span, *self.spans])


def partial_subsets(keys, subsets: list) -> list[pd.DataFrame]:
    """:func:`partial` of several row subsets that share the same key columns, the keys packed
    once. ``keys``: dict of name -> int array, or :class:`PackedKeys`. ``subsets`` holds
    (rows, values) pairs: ``rows`` a boolean mask or slice, ``values`` an array over all rows
    or None for counts (values of one, as a histogram).

    The frames equal those of ``partial({k: keys[k][rows]}, values[rows])`` bit for bit: the
    same groups in the same order, and with unit weights sw = n and swx = sum exactly, so those
    need no sums of their own (issue #7: the filter diagnostics call this 66 times a month).
    """
    pk = keys if isinstance(keys, PackedKeys) else PackedKeys.of(keys)
    names, cols = pk.names, pk.cols
    if pk.code is None or not _dense(pk.code, pk.spans):
        ones = np.ones(cols[0].size)
        return [partial({k: c[rows] for k, c in zip(names, cols, strict=True)},
                        (ones if values is None else np.asarray(values))[rows]) for rows, values in subsets]
    out = []
    for rows, values in subsets:
        c = pk.code[rows]
        v = None
        if values is not None:
            v = np.asarray(values, dtype=np.float64)[rows]
            ok = np.isfinite(v)
            if not ok.all():
                c, v = c[ok], v[ok]
        out.append(_dense_sums(names, c, pk.lows, pk.spans, v))
    return out


def _dense_sums(names, code, lows, spans, v=None, w=None) -> pd.DataFrame:
    """The accumulators per occurring key of packed ``code``, counted straight into the dense
    key space (same groups and order as the sort-based path, same sums: bincount adds rows in
    order either way). ``v`` None: values of one (counts); ``w`` None: unit weights, for which
    sw = n and swx = sum exactly, so they need no sums of their own."""
    size = int(np.prod(np.array(spans, dtype=np.int64)))
    counts = np.bincount(code, minlength=size)
    present = np.flatnonzero(counts)
    out = dict(zip(names, _unpack(present, lows, spans), strict=True))
    n = counts[present].astype(np.float64)

    def sums(wt):  # (bincount of an empty array is int64)
        return np.bincount(code, wt, minlength=size)[present].astype(np.float64, copy=False)

    s, ss = (n, n) if v is None else (sums(v), sums(v * v))
    sw, swx = (n, s) if w is None else (sums(w), sums(w * v))
    out.update({"n": n, "sum": s.copy(), "sumsq": ss.copy(), "sw": sw.copy(), "swx": swx.copy()})
    return pd.DataFrame(out)


def reduce(partials: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Add up partials group by group (the global reduction)."""
    frames = [p for p in partials if len(p)]
    if not frames:
        return pd.DataFrame(columns=list(keys) + list(ACCUMULATORS))
    df = pd.concat(frames, ignore_index=True)
    return df.groupby(list(keys), as_index=False, sort=True)[list(ACCUMULATORS)].sum()


def finish(df: pd.DataFrame) -> pd.DataFrame:
    """Add mean, rms and weighted mean (H19 Eq. A2) columns to reduced sums."""
    out = df.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean"] = out["sum"] / out["n"]
        out["rms"] = np.sqrt(out["sumsq"] / out["n"])
        out["wmean"] = out["swx"] / out["sw"]
    return out


def bin_index(values, lo: float, hi: float, n: int) -> np.ndarray:
    """Bin number 0..n-1 of equal-width bins on [lo, hi); -1 below, n above, -2 for NaN."""
    # floor((v - lo) / (hi - lo) * n) in place on one float64 copy: v < lo gives floor <= -1 and
    # v >= hi gives >= n, so clipping equals the explicit tests. A finite value stays finite, so
    # the non-finite ones after the arithmetic are those of the input (issue #7: nine passes
    # over fresh temporaries before, for 22 candidates in two jobs a month).
    v = np.array(values, dtype=np.float64)
    v -= lo
    v /= hi - lo
    v *= n
    np.floor(v, out=v)
    bad = ~np.isfinite(v)
    np.clip(v, -1, n, out=v)
    v[bad] = -2
    return v.astype(np.int64)
