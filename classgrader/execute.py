"""Running a submission's cells so that a kernel that dies costs only the cell it died in.

nbgrader's Execute stops grading a notebook when the kernel dies (a crash, `os._exit`, a kill
for using too much memory): every question then scores zero, also those answered before. Here
the notebook goes on: the cell gets a DeadKernelError output (so its test, if it is one, fails
and the report says why), a new kernel is started, the cells before it are run again quietly to
rebuild the state (their outputs are kept from the first run), and grading continues with the
next cell. A notebook that kills its kernel in more than MAX_DEATHS cells is given up.
"""

import copy

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute

MAX_DEATHS = 3


def dead_kernel_output() -> NotebookNode:
    return NotebookNode(
        output_type="error", ename="DeadKernelError", evalue="the kernel died while running this cell",
        traceback=["DeadKernelError: the kernel died while running this cell; grading went on with a new kernel"],
    )


class ResilientExecute(Execute):
    """nbgrader's Execute, except that a dying kernel is replaced and grading goes on."""

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)  # as nbconvert's ExecutePreprocessor.preprocess does
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        died_in: list[int] = []
        while True:
            try:
                self._run_all(resources, died_in)
                break
            except DeadKernelError:
                if len(died_in) >= MAX_DEATHS:
                    raise
                died_in.append(self._running)
                self.nb.cells[self._running].outputs.append(dead_kernel_output())
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _run_all(self, resources, died_in: list[int]) -> None:
        """Run every cell in a new kernel; cells before the last death are replays."""
        replay_until = max(died_in, default=-1)
        with self.setup_kernel():
            info = self.wait_for_reply(self.kc.kernel_info())
            self.nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                if index in died_in:
                    continue
                self._running = index
                if index < replay_until:
                    self._replay(cell, resources, index)
                else:
                    self.preprocess_cell(cell, resources, index)

    def _replay(self, cell, resources, index: int) -> None:
        """Run a cell again for its effect on the kernel's state; keep what the first run showed."""
        outputs, count = copy.deepcopy(cell.get("outputs", [])), cell.get("execution_count")
        self.preprocess_cell(cell, resources, index)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = outputs, count


def autograde_steps() -> list:
    """nbgrader's autograde preprocessors, with ResilientExecute in place of Execute."""
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    return [ResilientExecute if step is Execute else step for step in default]
