"""The question engine, quizzes and pre/post surveys (issues 3 and 4)."""
