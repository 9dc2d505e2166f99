"""Numbered migrations of the central PostgreSQL schema ``pst``."""
