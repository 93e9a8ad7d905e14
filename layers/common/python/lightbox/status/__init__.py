"""Status for sellers: the signed webhook that forwards the status bus's events."""
