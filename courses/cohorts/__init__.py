"""Cohorts' pages: a trainer's cohorts, their progress and exports, joining by invite code.

The cohort itself (its model, invite codes, who manages it) is core: training/cohorts.py.
Here are its views, forms and templates (templates/cohorts/, found through the blueprint).
"""
