"""Implementation of :mod:`custvalue.diagnostics`: model checks against the data."""
