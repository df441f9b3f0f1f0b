"""Purchasing and replenishment: suppliers, purchase orders, receipt matching, reorder rules."""
