"""Corpus loaders, labels and the benchmark protocol."""
