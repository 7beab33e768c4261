"""The decision kernel: decisions for N rows at once as array operations over rows."""
