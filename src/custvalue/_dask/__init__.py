"""Dask implementation behind :mod:`custvalue.dask` (partition-wise in-memory code)."""
