"""The built-in properties checked exhaustively over the evidence space (one module each)."""
