"""Implementation of :mod:`custvalue.plotting` (matplotlib, imported lazily)."""
