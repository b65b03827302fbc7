"""A one-line progress bar: submissions done, rate, time left, and the workers grading."""

import sys
import time
from collections.abc import Callable


class Progress:
    """Call `step()` after each item; the line on stderr is redrawn in place."""

    WIDTH = 30

    def __init__(self, total: int, label: str = "submissions", stream=sys.stderr,
                 workers: Callable[[], int] | None = None) -> None:
        self.total, self.label, self.stream, self.workers = total, label, stream, workers
        self.done, self.start = 0, time.perf_counter()
        if total == 0:
            self.stream.write(f"No {label} to grade: every one was graded before and has not changed.\n")
            return
        self.draw()

    def step(self) -> None:
        self.done += 1
        self.draw()
        if self.done == self.total:
            self.stream.write("\n")

    def line(self) -> str:
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if self.done and elapsed > 0 else 0.0
        left = f"{(self.total - self.done) / rate:.0f} s left" if rate else "estimating time left"
        filled = self.WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        on = f", {self.workers()} workers" if self.workers else ""
        return f"[{bar}] {self.done}/{self.total} {self.label}, {rate:.2f}/s, {left}{on}"

    def draw(self) -> None:
        self.stream.write("\r" + self.line())
        self.stream.flush()
