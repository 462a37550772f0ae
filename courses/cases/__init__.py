"""Moot-court case exercises: staged case files, teams, submissions, blind judging, results (docs/cases.md)."""
