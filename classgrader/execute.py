"""Running a submission's cells: test cells in the grader, and a dying kernel costs only its cell.

The test cells (those the gradebook holds, with the gradebook's source) run in the grader, not in
the student's kernel, so that the student's code cannot decide them (see `checker`); all the
other cells run in the student's kernel as nbgrader runs them.

nbgrader's Execute stops grading a notebook when the kernel dies (a crash, `os._exit`, a kill
for using too much memory) or stops answering even when interrupted: every question then scores
zero, also those answered before. Here
the notebook goes on: the cell gets a DeadKernelError output (so its test, if it is one, fails
and the report says why), a new kernel is started, the cells before it are run again quietly to
rebuild the state (their outputs are kept from the first run), and grading continues with the
next cell. After MAX_DEATHS new kernels the notebook is given up: the cells after the last death
are not run (their tests fail, saying why), and what was graded before keeps its points.

A notebook also has a time budget of its own (`submission_timeout`, replays included): each cell
may take its timeout but no more than what is left of the budget, and once it is used up the
cells after are not run, so that one submission cannot hold a worker for the whole night.
"""

import contextlib
import copy
import time
from pathlib import Path

import nbformat

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode

from classgrader.checker import Checker, assignment_names

MAX_DEATHS = 3
# The most of one output's text an answer cell keeps in the graded notebook (what reaches the
# feedback page is limited again there).
OUTPUT_CHARS = 1_000_000


def dead_kernel_output() -> NotebookNode:
    return NotebookNode(
        output_type="error", ename="DeadKernelError", evalue="the kernel died while running this cell",
        traceback=["DeadKernelError: the kernel died while running this cell; grading went on with a new kernel"],
    )


def not_run_output() -> NotebookNode:
    return NotebookNode(
        output_type="error", ename="NotRunError", evalue=f"not run: the kernel died {MAX_DEATHS + 1} times before",
        traceback=[f"NotRunError: the kernel died {MAX_DEATHS + 1} times; grading stopped there, and the cells "
                   "after the last death were not run"],
    )


def out_of_time_output(seconds: int) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename="OutOfTimeError", evalue=f"not run: the notebook used up its {seconds} s",
        traceback=[f"OutOfTimeError: grading this notebook took its whole time budget of {seconds} s; "
                   "the cells from here on were not run"],
    )


class OutOfTime(Exception):
    """The notebook used up its time budget before this cell."""


class KernelDidNotStart(Exception):
    """A new kernel died before it answered (seen on a busy machine, after a kernel was killed)."""


# How many times a kernel that does not start is tried again, with a new kernel manager.
START_RETRIES = 2

# What grading each notebook cut short, by notebook name, as the names of the errors that say so
# (DeadKernelError, NotRunError, OutOfTimeError, CellTimeoutError, MemoryError). The worker reads it
# in this same process after nbgrader's autograde; it is not read back from the graded notebook,
# where a student's own cell can raise an exception of any name.
FINDINGS: dict[str, list[str]] = {}


def test_cells(resources: dict) -> dict[str, str]:
    """The notebook's autograded test cells in the gradebook: grade id -> source (with hidden tests)."""
    meta = resources["nbgrader"]
    with Gradebook(meta["db_url"]) as gradebook:
        notebook = gradebook.find_notebook(meta["notebook"], meta["assignment"])
        answers = {cell.name for cell in notebook.solution_cells}
        tests = {cell.name for cell in notebook.grade_cells if cell.cell_type == "code"} - answers
        return {cell.name: cell.source for cell in notebook.source_cells if cell.name in tests}


def is_gradebook_test_cell(cell, tests: dict[str, str]) -> bool:
    """A cell the grader runs itself: one of the gradebook's test cells, exactly as the gradebook has it."""
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return cell.cell_type == "code" and grade_id in tests and cell.source == tests[grade_id]


def answer_names(source_root: str, resources: dict, tests: dict[str, str]) -> set[str]:
    """The names the instructor's source notebook binds outside its test cells (see checker)."""
    meta = resources["nbgrader"]
    source = Path(source_root) / meta["assignment"] / f"{meta['notebook']}.ipynb"
    cells = nbformat.read(source, as_version=4).cells
    return assignment_names(cells, lambda cell: is_gradebook_test_cell(cell, tests))


class ResilientExecute(Execute):
    """nbgrader's Execute, except that test cells run in the grader, a dying kernel is replaced,
    and the notebook has a time budget."""

    submission_timeout = Integer(600, help="Seconds a whole notebook may take to grade, replays included.").tag(
        config=True)
    source_root = Unicode(help="The folder of the assignments' source notebooks (the instructor's solutions/).").tag(
        config=True)

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)  # as nbconvert's ExecutePreprocessor.preprocess does
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._tests = test_cells(resources)
        self._checker = Checker(answer_names(self.source_root, resources, self._tests))
        self._cell_timeout = self.timeout or 600
        self._deadline = time.monotonic() + self.submission_timeout
        self._found = FINDINGS.setdefault(resources["nbgrader"]["notebook"], [])
        died_in: list[int] = []
        start_failures = 0
        try:
            while True:
                try:
                    self._run_all(resources, died_in)
                    break
                except KernelDidNotStart:
                    start_failures += 1
                    if start_failures > START_RETRIES:
                        raise
                    self.km = None  # a new kernel manager, with a folder of its own
                except OutOfTime:
                    self._give_up_after(self._running - 1, out_of_time_output(self.submission_timeout))
                    self._found.append("OutOfTimeError")
                    break
                except (DeadKernelError, CellTimeoutError):  # a kernel that stops answering is as good as dead
                    died_in.append(self._running)
                    self.nb.cells[self._running].outputs.append(dead_kernel_output())
                    self._found.append("DeadKernelError")
                    if len(died_in) > MAX_DEATHS:
                        self._give_up_after(self._running)
                        self._found.append("NotRunError")
                        break
        finally:
            self._checker.disconnect()
            self.timeout = self._cell_timeout
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _run_all(self, resources, died_in: list[int]) -> None:
        """Run every cell in a new kernel; cells before the last death are replays."""
        replay_until = max(died_in, default=-1)
        with contextlib.ExitStack() as kernel:
            try:
                kernel.enter_context(self.setup_kernel())
            except RuntimeError as error:  # nbclient's "Kernel died before replying to kernel_info"
                raise KernelDidNotStart(str(error)) from None
            info = self.wait_for_reply(self.kc.kernel_info())
            self.nb.metadata["language_info"] = info["content"]["language_info"]
            self._checker.connect(self.km)
            for index, cell in enumerate(self.nb.cells):
                if index in died_in:
                    continue
                self._running = index
                self.timeout = self._time_for_a_cell()
                if is_gradebook_test_cell(cell, self._tests):
                    if index > replay_until:  # a test changes nothing in the kernel: no replay
                        self._checker.run_cell(cell, self.timeout, self.code_cells_executed + 1)
                        self.code_cells_executed += 1
                        self._found += errors_named(cell, ("CellTimeoutError", "MemoryError"))
                elif index < replay_until:
                    self._replay(cell, resources, index)
                else:
                    try:
                        self.preprocess_cell(cell, resources, index)
                    finally:  # also when the cell ran out of time or its kernel died mid-output
                        shorten_outputs(cell)
                    self._found += errors_named(cell, ("MemoryError",))

    def _update_display_id(self, display_id: str, msg: dict) -> None:
        """nbclient's, for the outputs of the cell running now only: a later cell (one that ran after
        hidden tests) must not rewrite what an earlier cell showed (the feedback page shows it)."""
        mapping = self._display_id_map.get(display_id, {})
        self._display_id_map[display_id] = {index: outputs for index, outputs in mapping.items()
                                            if index == self._running}
        super()._update_display_id(display_id, msg)

    async def _async_handle_timeout(self, timeout: int, cell=None):
        """nbclient's, when an answer cell runs out of time; and it is noted."""
        self._found.append("CellTimeoutError")
        return await super()._async_handle_timeout(timeout, cell)

    def _time_for_a_cell(self) -> int:
        """The cell's timeout, or what is left of the notebook's budget if that is less."""
        left = self._deadline - time.monotonic()
        if left < 1:
            raise OutOfTime
        return int(min(self._cell_timeout, left))

    def _give_up_after(self, index: int, reason: NotebookNode | None = None) -> None:
        """Stop grading after cell `index`: the tests after it fail, saying why they were not run."""
        for cell in self.nb.cells[index + 1:]:
            if is_gradebook_test_cell(cell, self._tests):
                cell.outputs = [reason or not_run_output()]

    def _replay(self, cell, resources, index: int) -> None:
        """Run a cell again for its effect on the kernel's state; keep what the first run showed."""
        outputs, count = copy.deepcopy(cell.get("outputs", [])), cell.get("execution_count")
        self.preprocess_cell(cell, resources, index)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = outputs, count


def errors_named(cell: NotebookNode, names: tuple[str, ...]) -> list[str]:
    """The names among `names` of the errors in a cell's outputs."""
    return [output.get("ename") for output in cell.get("outputs", [])
            if output.get("output_type") == "error" and output.get("ename") in names]


def shorten_outputs(cell: NotebookNode) -> None:
    """Cut each text of an answer cell's outputs to OUTPUT_CHARS, saying so (a kernel may print gigabytes)."""
    for output in cell.get("outputs", []):
        texts = [("text", output)] if "text" in output else [(mime, output.get("data", {})) for mime in output.get("data", {})]
        for key, holder in texts:
            text = holder[key] if isinstance(holder[key], str) else "".join(map(str, holder[key]))
            if len(text) > OUTPUT_CHARS:
                holder[key] = text[:OUTPUT_CHARS] + f"\n... ({len(text) - OUTPUT_CHARS} more characters not kept)\n"


def autograde_steps() -> list:
    """nbgrader's autograde preprocessors, with ResilientExecute in place of Execute."""
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    return [ResilientExecute if step is Execute else step for step in default]
