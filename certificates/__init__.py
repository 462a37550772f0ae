"""Completion rules, certificate issuing, PDFs and verification (issue 6)."""
