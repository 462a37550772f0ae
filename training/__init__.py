"""The Amicus platform core: app factory, config, accounts, cohorts, progress."""
