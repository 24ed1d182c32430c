"""Open a KPI report in headless Chromium (playwright with the system's Debian Chromium): collect
console errors, count each chart's marks, read each chart's visible title and axis titles, measure
horizontal overflow at the viewport width (1400 px by default), and optionally save a full-page
screenshot.

    python -m pipelines.reporting.browser outbox/kpi_report.html docs/kpi_report.png

Used by tests/test_reporting.py and to refresh the screenshot in docs/ (the command line saves it
with a 128-colour palette to keep the repository small). No network: the page is
a local file with everything inline, and Chromium is started with background networking off.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@dataclass
class PageCheck:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)   # anything fetched besides the page itself
    marks: dict[str, int] = field(default_factory=dict)  # chart id -> number of marks drawn
    empty: list[str] = field(default_factory=list)      # charts that drew their "no data" note
    titles: dict[str, str] = field(default_factory=dict)  # chart id -> its visible title (rendered, non-zero size)
    axis_titles: dict[str, list[str]] = field(default_factory=dict)  # chart id -> visible axis titles
    page_width: int = 0                                  # document scroll width
    viewport_width: int = 0
    overflowing: list[str] = field(default_factory=list)  # elements wider than their box (sideways scroll)


VISIBLE_TEXT = """(svg, selector) => Array.from(svg.querySelectorAll(selector)).filter(t => {
    const box = t.getBoundingClientRect();
    const style = getComputedStyle(t);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none'
        && parseFloat(style.opacity || '1') > 0;
}).map(t => t.textContent.trim())"""

OVERFLOW = """() => Array.from(document.querySelectorAll('body, body *')).filter(e => {
    const style = getComputedStyle(e);
    return e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
        && (style.overflowX === 'auto' || style.overflowX === 'scroll');
}).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined
        ? '.' + e.className : ''))"""


def inspect(report: Path, screenshot: Path | None = None, width: int = 1400) -> PageCheck:
    from playwright.sync_api import sync_playwright

    check = PageCheck()
    url = report.resolve().as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on("console", lambda m: check.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: check.page_errors.append(str(e)))
            page.on("request", lambda r: check.requests.append(r.url) if r.url != url else None)
            page.goto(url, wait_until="load")
            found = page.eval_on_selector_all(
                "svg[data-chart]",
                "nodes => nodes.map(n => [n.dataset.chart, n.querySelectorAll('.mark').length, n.dataset.empty === 'true'])")
            for chart, marks, empty in found:
                check.marks[chart] = marks
                if empty:
                    check.empty.append(chart)
                svg = page.locator(f"svg[data-chart='{chart}']")
                titles = svg.evaluate(f"svg => ({VISIBLE_TEXT})(svg, '.chart-title')")
                check.titles[chart] = titles[0] if titles else ""
                check.axis_titles[chart] = svg.evaluate(f"svg => ({VISIBLE_TEXT})(svg, '.axis-title')")
            check.page_width = page.evaluate("document.documentElement.scrollWidth")
            check.viewport_width = page.evaluate("window.innerWidth")
            check.overflowing = page.evaluate(OVERFLOW)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return check


def compact_png(path: Path, colors: int = 128) -> None:
    """Re-save a screenshot with a 128-colour palette (a third of the size, for docs/)."""
    from PIL import Image

    with Image.open(path) as image:
        palette = image.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    palette.save(path, optimize=True)


if __name__ == "__main__":
    shot = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    result = inspect(Path(sys.argv[1]), shot)
    if shot is not None:
        compact_png(shot)
    print(json.dumps(result.__dict__, indent=2))
