"""Training recipes: thin scripts over library code."""
