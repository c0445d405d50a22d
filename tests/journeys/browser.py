"""A browser journey: Chromium with axe-core injected, a check (accessibility and a
screenshot, on the phone and the desktop viewport) of every page visited."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from tests.browser import CHROMIUM_FLAGS, live_server

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("LIKENESS_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "journeys"
# The documentation's screenshots are taken by the journeys themselves, so they show the
# pages as they are: `make screenshots` sets this and the chosen steps land in docs/img/.
DOC_IMAGES = ROOT / "docs" / "img"
UPDATE_DOC_SCREENSHOTS = os.environ.get("LIKENESS_DOC_SCREENSHOTS") == "1"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
BLOCKING = {"critical", "serious"}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
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
        """axe-core (no critical or serious violation) and a screenshot, on this
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

    def _check_here(self, name: str, viewport: str) -> None:
        self.page.wait_for_load_state()
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{name}-{viewport}.png"),
                             full_page=True)
        for violation in self.page.evaluate(RUN_AXE):
            if violation["impact"] in BLOCKING:
                self.problems.append(
                    f"{self.page.url} [{viewport}] {violation['impact']} {violation['id']}: "
                    f"{violation['help']} at {violation['nodes']}")

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


def _name_of(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.split("?")[0].lower()).strip("-")[:40] or "home"


@contextmanager
def journey_browser(app: Flask, test_name: str, *, phone: bool = True,
                    locale: str = "en-GB", javascript: bool = True) -> Iterator[Journey]:
    """Chromium on the app (served on loopback) with axe-core in every page. At the end,
    no page visited may have had a critical or serious axe violation."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required (make test installs it)"
    assert AXE.is_file(), "axe-core is missing: `make axe` (npm ci in tests/)"
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    options: dict[str, Any] = {"viewport": PHONE if phone else DESKTOP, "locale": locale,
                               "java_script_enabled": javascript}
    if phone:
        options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    with live_server(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        context = browser.new_context(**options)
        # An init script runs before the page's own and is not subject to its CSP.
        context.add_init_script(path=str(AXE))
        try:
            journey = Journey(context.new_page(), base, folder, phone)
            yield journey
            journey.assert_accessible()
        finally:
            context.close()
            browser.close()
