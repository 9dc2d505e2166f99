"""Walk-in sales of statistical products, from request to receipt (seeds 001, 002, 004).

    draft -> agreed -> checked -> invoiced -> paid -> receipted -> delivered
                          \\-> referred (documents do not match: to consultation)
    revise: invoiced -> checked (the invoice is voided; the next one is a new version)
    Rp0 sales skip invoice, payment and receipt: checked -> delivered.

Only the treasurer (bendahara) verifies payments and issues receipts; officers do the
rest. Every step is one transaction with its outbox change and audit entry; a step not
allowed now is refused with the reason.

The area's modules: ``models`` (the order and what hangs on it), ``orders`` (reading, the
request, lines, agreement, prepared), ``documents`` (the statement of data use, the SPPD
printed, the customer's check of the invoice), ``invoices``, ``payments`` (payment,
receipt, signed SPPD, hand-over, corrections), ``view`` (what the counter offers and shows),
``papers`` (invoice, receipt and SPPD to the printer). This package re-exports the use
cases of the first four, so ``sales.create_order(...)`` reads as before.
"""

from kiosk.sales.documents import check_documents, customer_check
from kiosk.sales.invoices import cancel, invoice_valid_until, issue_invoice, revise
from kiosk.sales.models import (ANYONE, OFFICERS, OPEN, TREASURER, Correction, Invoice, Line, Order, OrderRow,
                                Payment, Receipt, Status)
from kiosk.sales.orders import (add_line, agree, count_orders, create_order, get, list_orders, mark_prepared,
                                open_for_ticket, order_sync_payload, remove_line)

__all__ = ["ANYONE", "OFFICERS", "OPEN", "TREASURER", "Correction", "Invoice", "Line", "Order", "OrderRow",
           "Payment", "Receipt", "Status", "add_line", "agree", "cancel", "check_documents", "count_orders",
           "create_order", "customer_check", "get", "invoice_valid_until", "issue_invoice", "list_orders", "mark_prepared",
           "open_for_ticket", "order_sync_payload", "remove_line", "revise"]
