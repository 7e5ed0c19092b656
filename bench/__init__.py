"""Benchmarks: API calls per lifecycle operation, measured against the emulator."""
