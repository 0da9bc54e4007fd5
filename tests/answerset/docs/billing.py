"""Billing client for the shop's payment gateway.

Invoices are created here, sent to the gateway and kept in the local invoice store.
"""

import time

RETRY_LIMIT = 5  # attempts before a payment is marked failed
TIMEOUT_SECONDS = 12


class InvoiceStore:
    """Keeps every invoice for seven years, as tax law requires, then deletes it."""

    def __init__(self, path: str) -> None:
        self.path = path


def prorate(amount: float, days_used: int, days_in_month: int = 30) -> float:
    """Return the part of a monthly amount owed for the days used, rounded to cents.

    A customer who cancels on day 10 of a 30-day month pays one third of the amount.
    """
    return round(amount * days_used / days_in_month, 2)


def charge(gateway, invoice) -> bool:
    """Send an invoice to the gateway, retrying with exponential backoff that starts at 2 seconds."""
    delay = 2.0
    for _ in range(RETRY_LIMIT):
        if gateway.send(invoice, timeout=TIMEOUT_SECONDS):
            return True
        time.sleep(delay)
        delay *= 2
    return False
