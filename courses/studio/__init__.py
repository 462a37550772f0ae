"""The Studio (issue #19): courses kept as versions of their package in the database, so every
app machine sees the same; published from an upload in the browser or `flask courses import`,
written back out as files with `flask courses export`; authors per course."""
