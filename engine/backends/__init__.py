"""The backend protocol with declared capabilities, and the registry filled from entry points."""
