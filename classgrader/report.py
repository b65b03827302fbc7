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


def histogram_png(scores: list[float], max_points: float, title: str) -> str:
    """A small histogram of one question's scores, as a base64 PNG."""
    figure, axes = plt.subplots(figsize=(3.2, 2.0), constrained_layout=True)
    edges = [x - 0.5 for x in range(int(max_points) + 2)] if max_points == int(max_points) else 10
    axes.hist(scores, bins=edges, color="#4a78b5", edgecolor="white")
    if max_points == int(max_points):
        axes.set_xticks(range(int(max_points) + 1))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, fontsize=9)
    axes.set_xlabel("points", fontsize=8)
    axes.set_ylabel("students", fontsize=8)
    axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def write_report(path: Path, assignment: str, scores: Scores, attention: dict[str, list[str]],
                 seconds: float, workers: int, confined: bool) -> Path:
    """Write the HTML report and return its path.

    Args:
        attention: student -> reasons the submission needs a person to look at it.
    """
    total_max = sum(points for _, points in scores.questions)
    figures = []
    for name, points in scores.questions:
        graded = [value for value in (s[name] for s in scores.by_student.values()) if value is not None]
        if graded:
            picture = histogram_png(graded, points, f"{name} (max {points:g})")
            figures.append(f'<figure><img src="data:image/png;base64,{picture}" '
                           f'alt="Histogram of the scores on {html.escape(name)}, out of {points:g} points"></figure>')
        else:
            figures.append(f"<figure><p>{html.escape(name)}: waits for manual grading</p></figure>")
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
figure {{ display: inline-block; margin: 0.3rem; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }}
ul {{ margin: 0; padding-left: 1.2rem; }}
</style></head><body>
<h1>Grading report: {html.escape(assignment)}</h1>
<p>{len(scores.by_student)} submissions graded in {seconds:.1f} s by {workers} workers; student code ran
{isolation}. Mean autograded total: {mean:.2f} of {total_max:g} points (written answers wait for manual grading).</p>
<h2>Scores per question</h2>
{''.join(figures)}
<h2>Submissions that need attention ({len(rows)})</h2>
{table}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".html.partial")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(path)  # never a half-written report
    return path
