"""phronesis.theorems (see shared/DESIGN.md)."""
