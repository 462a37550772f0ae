"""Card numbers: 16 random digits and a check digit, printed in groups for reading aloud.

Digits rather than letters: they read the same in Chinese and English, and a phone's number pad
types them. 16 digits carry 53 bits. The check digit is Damm's: it catches every mistyped
digit and every swap of two neighbouring digits, so a typo is refused at once instead of
opening another card.
"""
from __future__ import annotations

import re

DIGITS = 16

# Damm's quasigroup of order 10 (H. M. Damm, 2004): the standard table.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def check_digit(digits: str) -> str:
    interim = 0
    for d in digits:
        interim = _DAMM[interim][int(d)]
    return str(interim)


def with_check(number: int) -> str:
    """The card number for a random ``number`` below 10**16: its digits and the check digit."""
    digits = f"{number % 10 ** DIGITS:0{DIGITS}d}"
    return digits + check_digit(digits)


def grouped(code: str) -> str:
    """``1234 5678 9012 34567``: four groups, the last one with the check digit."""
    return " ".join((code[0:4], code[4:8], code[8:12], code[12:]))


class NotACardNumber(ValueError):
    """Not 17 digits, or a check digit that does not match (a typo)."""


def parse(typed: str | None) -> str:
    """The card number in ``typed`` (spaces, dashes and full-width digits allowed), checked."""
    text = (typed or "").strip()
    # Full-width digits from a Chinese keyboard (０-９) are digits too.
    text = text.translate({0xFF10 + i: ord("0") + i for i in range(10)})
    code = re.sub(r"[\s\-‐–—]", "", text)
    if not re.fullmatch(rf"[0-9]{{{DIGITS + 1}}}", code):
        raise NotACardNumber("length")
    if check_digit(code[:-1]) != code[-1]:
        raise NotACardNumber("check")
    return code
