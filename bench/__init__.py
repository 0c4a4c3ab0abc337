"""Benchmarks of srkb (``make bench``): see bench/run.py."""
