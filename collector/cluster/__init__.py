"""Several ``collector run --cluster`` processes on one PostgreSQL ledger: partition leases."""
