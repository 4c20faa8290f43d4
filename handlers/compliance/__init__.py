"""Reporting compliance for coordinators: the monthly recap, its chart, and the Excel export."""
