"""Pre- and post-training surveys: instruments, anonymous answers matched by a keyed hash."""
