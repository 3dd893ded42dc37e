"""Differential decoder servers, the raw-bytes proxy driver and the frame generator (see test_differential.py)."""
