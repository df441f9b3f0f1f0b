"""Demand analytics: forecasts, backtests, days of cover and ABC classes (pure; numpy only).

Nothing here reads the ledger: ``collector.views.demand`` reads the demand history and
on-hand stock and hands them to these functions. See docs/analytics.md for the formulas.
"""

from collector.analytics.selection import DemandRate, forecast_demand

__all__ = ["DemandRate", "forecast_demand"]
