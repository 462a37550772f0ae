"""Respondent cards: matched pre/post surveys for people who never make an account.

A trainer prints cards for a cohort; each carries a random number and a QR code. Whoever holds
a card answers the cohort's surveys with it on any phone, without logging in, and her answers
are stored under ``HMAC(survey secret, cohort, instrument, card number)``: the same card gives
the same pseudonym before and after the workshop, so her answers match as an account's do
(docs/surveys.md, "Respondent cards").
"""
