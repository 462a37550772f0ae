"""Course packages and their delivery: loader, sync, catalog, lessons, cohorts' progress."""
