"""quotestance: find quotations in news on territorial disputes, attribute them, label their stance."""

__version__ = "0.1.0"
