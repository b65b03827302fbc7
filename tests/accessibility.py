"""The website's accessibility audit: axe-core in Chromium, page by page, and the keyboard walk.

axe-core comes from npm (web/package.json, installed into web/node_modules by `make`); its
script is put into the page by Playwright from that local file, never fetched from a CDN.

The audit counts violations of WCAG 2.1 A and AA (axe's tags below) rated serious or critical,
minus the theme's own failures listed in THEME_EXCEPTIONS: each one a rule and the narrowest
selector of the element, with the reason it cannot be fixed from the course's side.
"""

import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AXE_SCRIPT = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = {"serious", "critical"}


@dataclass(frozen=True)
class ThemeFailure:
    """A violation the course accepts: axe's rule id, the element's selector as axe reports it, why."""

    rule: str
    selector: str
    reason: str


# The theme's own failures that a stylesheet, template or Sphinx hook of ours cannot remove.
THEME_EXCEPTIONS: list[ThemeFailure] = []


@dataclass(frozen=True)
class Violation:
    """One element failing one rule on one page."""

    page: str
    rule: str
    impact: str
    selector: str
    html: str
    help: str

    def line(self) -> str:
        return f"{self.page}: {self.rule} ({self.impact}) at {self.selector}: {self.help}; element: {self.html[:160]}"


def run_axe(page) -> list[dict]:
    """axe's violations of the WCAG 2.1 A/AA rules on the page as it is now (axe's JSON results)."""
    if not AXE_SCRIPT.exists():
        raise FileNotFoundError(f"{AXE_SCRIPT} is missing: run `make test` or `npm ci --prefix web`, which install it")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf8"))
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)", options)


def serious_violations(page, name: str) -> list[Violation]:
    """Every element failing a serious or critical WCAG 2.1 A/AA rule on the page, one per element."""
    found = []
    for rule in run_axe(page):
        for node in rule["nodes"]:
            impact = node.get("impact") or rule.get("impact") or ""
            if impact in SERIOUS:
                selector = " ".join(json.dumps(t) if not isinstance(t, str) else t for t in node["target"])
                found.append(Violation(name, rule["id"], impact, selector, node["html"], rule["help"]))
    return found


def excepted(violation: Violation, exceptions: list[ThemeFailure] = THEME_EXCEPTIONS) -> bool:
    """Whether the violation is one of the named exceptions (same rule, same selector)."""
    return any(violation.rule == e.rule and violation.selector == e.selector for e in exceptions)
