"""A browser journey: Chromium with axe-core injected, a check (accessibility and a
screenshot, on the phone and the desktop viewport) of every page visited.

Accessibility means WCAG 2.2 AA: axe-core runs only the rules tagged for levels A and AA of
WCAG 2.0, 2.1 and 2.2, and any violation of those, whatever axe calls its impact, fails the
journey. Every check is counted (see `STATES`), and the session's count is printed at the end
of the run."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from tests.support.browser import browser_context, live_server

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("LIKENESS_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "journeys"
# The documentation's screenshots are taken by the journeys themselves, so they show the
# pages as they are: `make screenshots` sets this and the chosen steps land in docs/img/.
DOC_IMAGES = ROOT / "docs" / "img"
UPDATE_DOC_SCREENSHOTS = os.environ.get("LIKENESS_DOC_SCREENSHOTS") == "1"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# WCAG 1.4.10 (reflow): at 320 CSS pixels wide a page scrolls in one direction only.
NARROW = {"width": 320, "height": 640}
# The axe-core rule tags of WCAG 2.2 level AA (which includes the A and AA rules of 2.0/2.1).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The folder where each test process notes the page states it checked (one line each), so
# the count survives pytest-xdist's worker processes; the summary adds them up.
STATES = ARTIFACTS / "_states"

# The page's horizontal overflow at the current width, and the outermost elements that
# stick out to the right (what to fix), for the failure message.
OVERFLOW = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const sticksOut = (e) => e.getBoundingClientRect().right > width + 0.5;
  const wide = [...document.body.querySelectorAll("*")].filter(
    (e) => sticksOut(e) && !(e.parentElement && sticksOut(e.parentElement)));
  const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    [...e.classList].map((c) => "." + c).join("") +
    " (" + Math.round(e.getBoundingClientRect().right) + "px)";
  return {scroll: root.scrollWidth, width: width, wide: wide.slice(0, 6).map(describe)};
}"""

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""


class Journey:
    """One person's way through the app, in one browser page."""

    def __init__(self, page: Any, base: str, folder: Path, phone: bool) -> None:
        self.page = page
        self.base = base
        self.folder = folder
        self.phone = phone
        self.step = 0
        self.problems: list[str] = []
        self.checked: list[str] = []

    @property
    def viewport(self) -> dict[str, int]:
        return PHONE if self.phone else DESKTOP

    def goto(self, path: str, name: str | None = None) -> Any:
        response = self.page.goto(self.base + path)
        self.check(name or _name_of(path))
        return response

    def check(self, name: str, *, both: bool = True) -> None:
        """axe-core (no WCAG 2.2 AA violation) and a screenshot, on this
        viewport and, with `both`, the other one too."""
        self.step += 1
        self._check_here(name, "phone" if self.phone else "desktop")
        if both:
            other = DESKTOP if self.phone else PHONE
            self.page.set_viewport_size(other)
            try:
                self._check_here(name, "desktop" if self.phone else "phone")
            finally:
                self.page.set_viewport_size(self.viewport)
        self.checked.append(self.page.url)

    def horizontal_scroll(self, name: str) -> list[str]:
        """At 320 CSS pixels wide, what makes this page scroll sideways (nothing, when it
        reflows); the page state is checked with axe-core there too."""
        self.step += 1
        self.page.set_viewport_size(NARROW)
        try:
            self.page.wait_for_load_state()
            overflow = self.page.evaluate(OVERFLOW)
            self._check_here(name, "320px")
        finally:
            self.page.set_viewport_size(self.viewport)
        if overflow["scroll"] <= overflow["width"]:
            return []
        return [f"{self.page.url} is {overflow['scroll']}px wide at {overflow['width']}px: "
                + ", ".join(overflow["wide"])]

    def _check_here(self, name: str, viewport: str) -> None:
        self.page.wait_for_load_state()
        # In CSS pixels: the phone's context has a device scale factor of 2, which would
        # make every shot (the desktop ones too) four times the pixels to encode as PNG,
        # most of a journey's time, for an artefact that is only looked at.
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{name}-{viewport}.png"),
                             full_page=True, scale="css")
        for violation in self.page.evaluate(RUN_AXE, WCAG_TAGS):
            self.problems.append(
                f"{self.page.url} [{viewport}] {violation['impact']} {violation['id']}: "
                f"{violation['help']} at {violation['nodes']}")
        _count_state(f"{self.folder.name} {self.step:02d} {viewport} {self.page.url}")

    def doc_screenshot(self, name: str) -> Path:
        """This screen for the documentation (docs/img/<name>.png with `make screenshots`;
        otherwise beside the other artefacts, so the step is exercised on every run)."""
        folder = DOC_IMAGES if UPDATE_DOC_SCREENSHOTS else self.folder
        path = folder / f"{name}.png"
        self.page.wait_for_load_state()
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def tab_to(self, selector: str, *, limit: int = 80) -> None:
        """Press Tab (only the keyboard) until the element `selector` has the focus."""
        for _ in range(limit):
            if self.page.evaluate("(s) => document.activeElement?.matches(s) ?? false",
                                  selector):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {selector}")

    def focused(self) -> dict[str, Any]:
        self.page.wait_for_load_state()  # the page's own (deferred) script has run
        return dict(self.page.evaluate(
            "() => ({id: document.activeElement.id, tag: document.activeElement.tagName,"
            " text: document.activeElement.innerText || ''})"))

    def assert_accessible(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


def _count_state(line: str) -> None:
    STATES.mkdir(parents=True, exist_ok=True)
    with (STATES / f"{os.getpid()}.txt").open("a", encoding="utf-8") as notes:
        notes.write(line + "\n")


def reset_state_count() -> None:
    """Start the session's count of checked page states at zero."""
    shutil.rmtree(STATES, ignore_errors=True)


def state_count() -> tuple[int, int]:
    """(page states checked with axe-core, distinct pages among them) in this session."""
    if not STATES.is_dir():
        return 0, 0
    lines = [line for notes in STATES.glob("*.txt")
             for line in notes.read_text(encoding="utf-8").splitlines() if line]
    return len(lines), len({line.rsplit(" ", 1)[-1].split("?")[0] for line in lines})


def _name_of(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.split("?")[0].lower()).strip("-")[:40] or "home"


@contextmanager
def journey_browser(app: Flask, test_name: str, *, phone: bool = True,
                    locale: str = "en-GB", javascript: bool = True) -> Iterator[Journey]:
    """Chromium on the app (served on loopback) with axe-core in every page. At the end,
    no page state checked may have had a WCAG 2.2 AA violation."""
    assert AXE.is_file(), "axe-core is missing: `make axe` (npm ci in tests/)"
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    options: dict[str, Any] = {"viewport": PHONE if phone else DESKTOP, "locale": locale,
                               "java_script_enabled": javascript}
    if phone:
        options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    with live_server(app) as base, browser_context(**options) as context:
        # An init script runs before the page's own and is not subject to its CSP.
        context.add_init_script(path=str(AXE))
        journey = Journey(context.new_page(), base, folder, phone)
        yield journey
        journey.assert_accessible()
