"""The wrong-answer submissions of every assignment, one module per assignment folder in solutions/."""
