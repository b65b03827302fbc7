"""nbgrader's configuration for this course: its folders mapped onto our layout.

solutions/<assignment>/  the source notebooks (reference solutions, hidden tests)
exercises/<assignment>/  the released notebooks, made by `nbgrader generate_assignment`
submitted/, autograded/, feedback/, gradebook.db  student data, never committed
"""

import os

c = get_config()  # noqa: F821 (nbgrader provides get_config)

# The course root is the folder of this file, as an absolute path (nbgrader warns about ".").
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.course_id = "backprop-by-hand"

# Released notebooks are committed, so keep them free of execution output.
c.ClearOutput.enabled = True
# A student's test cell must not run forever; the grading command (issue 6) adds stricter limits.
c.ExecutePreprocessor.timeout = 120
# Feedback pages that keep the hidden tests hidden and the student's HTML inert, also when
# `nbgrader generate_feedback` or Formgrader makes them (see classgrader/feedback.py).
c.GenerateFeedback.exporter_class = "classgrader.feedback.FeedbackExporter"
