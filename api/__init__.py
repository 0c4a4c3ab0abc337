"""The srkb HTTP service: a thin FastAPI layer over :mod:`kb`."""
