"""phronesis.models (see shared/DESIGN.md)."""
