"""Routers, one module per group of routes."""
