"""The centre: the central PostgreSQL store and what talks to it.

``admin`` connects, migrates the schema (``sql/NNNN_*.sql``) and makes offices' roles;
``sync`` pushes an office's outbox and pulls the reference data; ``restore`` fills an
empty office store back from the centre. Nothing here is imported by this package's
``__init__``: a face that only shows the sync status never loads psycopg.
"""
