"""Grading a whole class with nbgrader, with each submission's code confined by the operating system.

`make grade` runs `python -m classgrader` (cli). Modules, one concept each:

- cli: the grading command, an ordered list of small steps;
- course: the course folder and the submissions in it, checked before grading;
- sandbox: the confined kernel (bubblewrap namespaces, an unprivileged user, rlimits);
- worker: grading one submission with nbgrader's own autograde, in a worker process;
- execute: nbgrader's Execute, except that test cells run in the grader and a dying kernel costs
  only the cell it died in;
- checker: running a test cell in the grader, with the student's names brought over;
- agent: the grader's agent in the student's kernel, which calls the student's code for the tests;
- wire: the trust boundary: the messages between the two and the plain-data values in them;
- feedback: the feedback pages' exporter: publishable (no hidden test, no traceback, student HTML
  inert, sizes limited), with templates compiled once per worker;
- pool: where the workers run (this machine; another executor can take its place);
- progress: the progress bar;
- report: the HTML report, from the gradebook;
- lms: Canvas's and Moodle's own files: the gradebook export filled in, a zip of the feedback pages;
- notebooks: answer cells and filled-in copies of a released notebook;
- demo, bench: a demo class (make grade-demo) and the benchmark (make bench-grade);
- errors: GradingError, the one exception the command raises for the instructor.
"""

from classgrader.errors import GradingError

__all__ = ["GradingError"]
