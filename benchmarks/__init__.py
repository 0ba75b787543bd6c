"""Benchmarks of the bland_async SDK (not shipped in the wheel). See benchmarks/README.md."""
