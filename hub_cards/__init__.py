"""Model- and dataset-card templates for the Hub."""
