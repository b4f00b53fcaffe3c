"""Training studies built from functional runs (the jump-table study of Sidler et al. 2016)."""
