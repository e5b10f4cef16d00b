"""Private: the shared core every domain composes (knows no domain).

Reading logs and sales lines (:mod:`custvalue._core.transactions`):

- ``read_transactions(data, customer_col, date_col, amount_col, freq=None, *,
  returns="error", date_format=None, freq_on_numeric="ignore", name="transactions")``
  -> :class:`~custvalue._core.transactions.TransactionLog`;
- column readers: ``read_ids(column, customer_col)``, ``read_time(column, date_col,
  freq=None, *, date_format=None, freq_on_numeric="error")``,
  ``read_datetimes(column, date_col, *, date_format=None)``,
  ``read_amounts(column, amount_col)``;
- ``apply_returns(log, returns, amount_col, index)``, ``check_returns(returns)``,
  ``check_finite_totals(totals, amount_col)``;
- ``period_of(value, name, log, freq=None)`` (str, datetime, numpy.datetime64,
  pandas.Timestamp, pandas.Period), ``filter_window(log, end, *, name=...)``.

Calendar (:mod:`custvalue._core.calendar`): ``parse_freq``, ``datetimes_to_periods``,
``period_at``, ``day_ordinals``, ``month_ordinals``, ``add_months``.

Checks (:mod:`custvalue._core.validation`): ``check_dataframe`` (reads polars and
pyarrow frames through :mod:`custvalue._core.frames`, names Dask, Spark and DuckDB
frames with the fix), ``check_column_name``, ``as_float_array``,
``check_scalar``, ``check_choice``.
"""
