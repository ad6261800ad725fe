"""Which sanctions follow from which listing: plain functions over plain values."""
