"""Numbered schema migrations: ``NNNN_name.sql``, applied in order, tracked by user_version."""
