"""Workshops: a cohort's sessions in a room (or online), and who attended each.

Attendance is taken on the trainer's phone: the cohort's participants, and walk-ins added on
the spot, by handle or as an anonymous attendee (a number and an optional first name or
nickname, no account). docs/workshops.md says what is kept and who sees it.
"""
