"""The gradebook in PostgreSQL: a small class of assignment 1 graded by the real nbgrader CLI.

nbgrader keeps its gradebook in SQLite by default, but a course may keep it in any database
SQLAlchemy speaks to (`--CourseDirectory.db_url`). Here a PostgreSQL server started for the
test holds it: the scores must be the same as with SQLite, and they must really be in
PostgreSQL, with no gradebook.db left in the course folder. See tests/postgres.py.
"""

import dataclasses

import pytest
import sqlalchemy

from tests.grading_harness import Assignment, grade_class
from tests.postgres import postgres_server

# A few of assignment 1's wrong answers, in different questions, keep the class small.
STUDENTS = {"sizes_swapped", "hidden_no_bias", "bias_last"}

# Each student's autograded points, as the gradebook's own tables hold them.
POINTS_BY_STUDENT = sqlalchemy.text("""
    SELECT student.id, SUM(grade.auto_score)
    FROM grade
    JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
    JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
    JOIN student ON submitted_assignment.student_id = student.id
    GROUP BY student.id
""")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The small class, graded once into a PostgreSQL gradebook; yields (graded course, URL)."""
    full = Assignment.load("a1_forward_pass")
    small = dataclasses.replace(full, mistakes=[m for m in full.mistakes if m.student in STUDENTS])
    assert {m.student for m in small.mistakes} == STUDENTS, "a chosen student is not in tests/mistakes"
    with postgres_server() as url:
        yield grade_class(tmp_path_factory.mktemp("a1_postgres"), small, db_url=url), url


def test_reference_gets_every_autograded_point(graded):
    course, _ = graded
    assert course.autograded_scores("reference") == course.assignment.points


def test_untouched_release_scores_zero(graded):
    course, _ = graded
    assert all(score == 0 for score, _, _ in course.scores["untouched"].values())


def test_each_wrong_answer_loses_exactly_its_points(graded):
    course, _ = graded
    for mistake in course.assignment.mistakes:
        expected = {**course.assignment.points, f"test_{mistake.grade_id}": 0.0}
        assert course.autograded_scores(mistake.student) == expected, mistake.student


def test_the_grades_are_in_postgresql(graded):
    course, url = graded
    assignment = course.assignment
    expected = {"reference": assignment.autograded_points, "untouched": 0.0}
    for mistake in assignment.mistakes:
        expected[mistake.student] = assignment.autograded_points - assignment.points[f"test_{mistake.grade_id}"]

    engine = sqlalchemy.create_engine(url)
    try:
        assert engine.dialect.name == "postgresql"
        with engine.connect() as connection:
            points = dict(connection.execute(POINTS_BY_STUDENT).all())
    finally:
        engine.dispose()
    assert points == expected
    assert not (course.course / "gradebook.db").exists(), "nbgrader wrote a SQLite gradebook as well"


def test_make_grade_keeps_its_gradebook_in_postgresql(tmp_path):
    """make grade DB=<url>: the same grades as with SQLite, in PostgreSQL, and no gradebook.db."""
    from classgrader.demo import make_demo_class
    from tests.test_grade import grades, make_grade

    make_demo_class("a1_forward_pass", tmp_path, kinds=["correct", "partial", "untouched"])
    with postgres_server() as url:
        result = make_grade(tmp_path, f"DB={url}")
        assert result.returncode == 0, result.stderr[-2000:]
        with sqlalchemy.create_engine(url).connect() as connection:
            in_database = dict(connection.execute(POINTS_BY_STUDENT).all())
    assert grades(tmp_path) == {"correct": 34.0, "partial": 15.0, "untouched": 0.0}
    assert in_database == {"correct": 34.0, "partial": 15.0, "untouched": 0.0}
    assert not (tmp_path / "gradebook.db").exists()
