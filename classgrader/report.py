"""The grading report: scores per question from the gradebook, histograms, and what needs attention.

One self-contained HTML file (pictures embedded), so it opens from the terminal with no server.
"""

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from nbgrader.api import Gradebook, MissingEntry  # noqa: E402


@dataclass
class Scores:
    """The class's scores: questions in notebook order, and each student's score on each."""

    questions: list[tuple[str, float]]  # (grade id, max points)
    by_student: dict[str, dict[str, float | None]]  # student -> grade id -> score (None: not graded yet)


def read_scores(db_url: str, assignment: str, students: list[str]) -> Scores:
    """Read every student's score on every graded cell of the assignment from the gradebook."""
    questions: list[tuple[str, float]] = []
    by_student: dict[str, dict[str, float | None]] = {}
    with Gradebook(db_url) as gradebook:
        for notebook in gradebook.find_assignment(assignment).notebooks:
            questions += [(cell.name, float(cell.max_score)) for cell in notebook.grade_cells]
        for student in students:
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                by_student[student] = {name: None for name, _ in questions}
                continue
            grades = {grade.name: grade for notebook in submission.notebooks for grade in notebook.grades}
            by_student[student] = {
                name: (None if grades[name].score is None or grades[name].needs_manual_grade else grades[name].score)
                if name in grades else None
                for name, _ in questions
            }
    return Scores(questions, by_student)


def histograms_png(scores: Scores) -> str:
    """One small histogram per question, in a grid, as one base64 PNG (one picture draws fast)."""
    columns = 4
    rows = -(-len(scores.questions) // columns)
    height = 2.1 * rows
    # Fixed margins (in inches, made fractions): a layout engine would take longer than the drawing.
    figure, grid = plt.subplots(rows, columns, figsize=(3.0 * columns, height), squeeze=False,
                                gridspec_kw={"left": 0.05, "right": 0.99, "wspace": 0.3, "hspace": 0.85,
                                             "top": 1 - 0.3 / height, "bottom": 0.5 / height})
    for axes in grid.flat[len(scores.questions):]:
        axes.axis("off")
    for axes, (name, points) in zip(grid.flat, scores.questions):
        graded = [value for value in (s[name] for s in scores.by_student.values()) if value is not None]
        axes.set_title(f"{name} (max {points:g})", fontsize=9)
        if not graded:
            axes.text(0.5, 0.5, "waits for manual grading", ha="center", va="center", fontsize=8)
            axes.set_axis_off()
            continue
        whole = points == int(points)
        axes.hist(graded, bins=[x - 0.5 for x in range(int(points) + 2)] if whole else 10,
                  color="#4a78b5", edgecolor="white")
        if whole:
            axes.set_xticks(range(int(points) + 1))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("points", fontsize=8)
        axes.set_ylabel("students", fontsize=8)
        axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def lms_section(unmatched: list[str] | None) -> str:
    """The report's list of submissions that match nobody in the LMS's roster (none without an LMS)."""
    if unmatched is None:
        return ""
    items = "".join(f"<li>{html.escape(note)}</li>" for note in unmatched) or "<li>None: every one was matched.</li>"
    return f"<h2>For the LMS: submissions not matched, and what to check ({len(unmatched)})</h2>\n<ul>{items}</ul>"


def write_report(path: Path, assignment: str, scores: Scores, attention: dict[str, list[str]],
                 seconds: float, workers: int, confined: bool, unmatched: list[str] | None = None) -> Path:
    """Write the HTML report and return its path.

    Args:
        attention: student -> reasons the submission needs a person to look at it.
        unmatched: with an LMS's files (classgrader/lms.py): the submissions that got no grade in them, and why.
    """
    total_max = sum(points for _, points in scores.questions)
    names = ", ".join(f"{name} (max {points:g})" for name, points in scores.questions)
    figure = (f'<img src="data:image/png;base64,{histograms_png(scores)}" '
              f'alt="Histograms of the scores, one per question: {html.escape(names)}">')
    rows = []
    for student, reasons in sorted(attention.items()):
        items = "".join(f"<li>{html.escape(reason)}</li>" for reason in reasons)
        rows.append(f"<tr><td>{html.escape(student)}</td><td><ul>{items}</ul></td></tr>")
    table = ("<table><tr><th>student</th><th>why</th></tr>" + "".join(rows) + "</table>") if rows else \
        "<p>None: every submission was graded to the end.</p>"
    totals = [sum(v for v in s.values() if v is not None) for s in scores.by_student.values()]
    mean = sum(totals) / len(totals) if totals else 0.0
    isolation = "confined (bubblewrap, unprivileged user, limits)" if confined else "NOT confined (UNSAFE=1)"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Grading report: {html.escape(assignment)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }}
img {{ max-width: 100%; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }}
ul {{ margin: 0; padding-left: 1.2rem; }}
</style></head><body>
<h1>Grading report: {html.escape(assignment)}</h1>
<p>{len(scores.by_student)} submissions graded in {seconds:.1f} s by {workers} workers; student code ran
{isolation}. Mean autograded total: {mean:.2f} of {total_max:g} points (written answers wait for manual grading).</p>
<h2>Scores per question</h2>
{figure}
<h2>Submissions that need attention ({len(rows)})</h2>
{table}
{lms_section(unmatched)}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".html.partial")
    # A file name handed in may not be UTF-8 (Python holds its bytes as lone surrogates): shown escaped.
    temporary.write_text(page, encoding="utf-8", errors="backslashreplace")
    temporary.replace(path)  # never a half-written report
    return path
