"""Documents (ticket, later slip, invoice, receipt) -> ESC/POS via python-escpos, or plain text.

This package knows documents and printer connections, never the database.
"""
