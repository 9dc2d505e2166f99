"""PST Kiosk core: domain models, use cases, store, configuration and command line.

Nothing here imports Textual; the faces in ``screens`` call these use cases.
"""
