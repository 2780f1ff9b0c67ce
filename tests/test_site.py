"""The site, as a learner's browser sees it: headless Chromium (Debian's package, see
tests/browser.py) over the pages.

The site is built into a temporary folder and served on 127.0.0.1, as `make site` and
`python -m http.server` would serve it to a class. Every page must load with no console
error and no request leaving the machine, every picture must have decoded, every link
inside the site must lead to a page (and anchor) that exists, the formulas must be typeset,
and the worked solutions must start folded and open on a click. Each chapter's slides must
start reveal.js (from the site's own copy), step through with the keyboard, and show no
solution.
"""

import functools
import http.server
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from tests.browser import visit
from tests.scripts import ROOT
from tools import classroom


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not (classroom.REVEAL / "dist" / "reveal.js").is_file():
        reason = f"no reveal.js in {classroom.REVEAL}: run `npm ci` (make test does, with npm)"
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    out = tmp_path_factory.mktemp("site") / "site"
    classroom.make_site(out)
    handler = functools.partial(QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pages_of(site_dir: Path, folder="notebooks") -> list[str]:
    return ["index.html"] + [f"{folder}/{p.name}" for p in sorted(site_dir.glob(f"{folder}/*"))]


def test_every_page_loads_offline_with_pictures_and_working_links(site, browser):
    site_dir, base = site
    chapters = pages_of(site_dir) + pages_of(site_dir, "slides")[1:]
    assert len(chapters) == 17  # the home page, seven chapters, the appendix, their slides
    for name in chapters:
        page, problems = visit(browser, base + name)
        page.wait_for_timeout(300)  # late requests (fonts, MathJax parts)
        sizes = page.evaluate(
            "Array.from(document.images).map(i => [i.getAttribute('src').slice(0, 40),"
            " i.complete ? i.naturalWidth : 0])"
        )
        assert all(width > 0 for _, width in sizes), f"{name}: pictures not decoded: {sizes}"
        links = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        for link in links:
            target = urlparse(urljoin(page.url, link))
            if target.netloc != urlparse(base).netloc:
                continue  # a link out (keras.io ...): followed by a reader, not loaded here
            path = site_dir / unquote(target.path).lstrip("/")
            assert path.is_file(), f"{name}: broken link {link}"
            slides = name.startswith("slides/")  # reveal.js routes by the fragment: #/2/1
            if target.fragment and target.path == urlparse(page.url).path and not slides:
                # A browser scrolls to the id as written or percent-decoded (nbconvert
                # writes non-ASCII heading ids percent-encoded).
                ids = [target.fragment, unquote(target.fragment)]
                found = page.evaluate("ids => ids.some(id => document.getElementById(id))", ids)
                assert found, f"{name}: no anchor for {link}"
        assert not problems, f"{name}: {problems}"
        page.close()


def test_formulas_are_typeset_and_solutions_fold(site, browser):
    site_dir, base = site
    page, problems = visit(browser, base + "notebooks/00_introduction.html")
    page.wait_for_selector(".MathJax", timeout=20_000)
    assert page.locator(".MathJax").count() > 10 and page.locator(".MathJax_Error").count() == 0
    for name in pages_of(site_dir)[1:]:
        chapter = (ROOT / "notebooks" / Path(name).with_suffix(".ipynb").name).read_text()
        exercises = len(set(re.findall(r"\*\*(\d)\. ", chapter)))  # "**1. ..." opens one
        page.goto(base + name, wait_until="load")
        folds = page.locator("details.solution")
        assert folds.count() == exercises, name
        assert page.evaluate("Array.from(document.querySelectorAll('details')).some(d => d.open)")\
            is False, f"{name}: a solution is open"  # fmt: skip
        folds.first.locator("summary").click()
        assert folds.first.evaluate("d => d.open"), f"{name}: a click does not open a solution"
    assert not problems
    if os.environ.get("MNIST_SERIES_SCREENSHOT"):  # how docs/site.png is made
        page.goto(base + "notebooks/04_convolutional_network.html", wait_until="load")
        page.screenshot(path=os.environ["MNIST_SERIES_SCREENSHOT"])
    page.close()


def test_navigation_leads_through_the_series(site, browser):
    site_dir, base = site
    page, problems = visit(browser, base + "index.html")
    page.locator("table a").first.click()  # the home page's first chapter
    for name in pages_of(site_dir)[2:]:
        page.locator("nav.series.top a", has_text="→").click()
        page.wait_for_load_state("load")
        assert page.url == base + name
    assert page.locator("nav.series.top a", has_text="→").count() == 0  # the last chapter
    page.locator("nav.series.top a", has_text="All chapters").click()
    assert page.url == base + "index.html" and not problems
    page.close()


def test_slides_present_each_chapter_without_its_solutions(site, browser):
    site_dir, base = site
    for name in pages_of(site_dir, "slides")[1:]:
        path = ROOT / "notebooks" / Path(name).with_suffix(".ipynb").name
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        kinds = [cell["metadata"]["slideshow"]["slide_type"] for cell in cells]
        page, problems = visit(browser, base + name)
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=10_000)
        slides = page.evaluate("Reveal.getTotalSlides()")
        assert slides == kinds.count("slide") + kinds.count("subslide"), name
        shown = page.locator("section.present:not(.stack)")  # the slide on the screen
        title = cells[0]["source"][0].lstrip("# ").strip()
        assert shown.locator("h1").inner_text().lower() == title.lower(), name
        assert "Solutions" not in page.locator(".slides").inner_text(), f"{name}: a solution"
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(200)
        assert page.evaluate("Reveal.getIndices().h") == 1, f"{name}: the arrow key does not move"
        page.keyboard.press("End")  # the last slide: the chapter's closing cell
        page.wait_for_timeout(200)
        last = cells[-1]["source"][0].split("**")[1]  # "**Next:** ..." → "Next:"
        assert page.evaluate("Reveal.isLastSlide()") and last in shown.inner_text(), name
        assert not problems, f"{name}: {problems}"
        if os.environ.get("MNIST_SERIES_SCREENSHOT") and name.startswith("slides/04"):
            page.goto(base + name + "#/2", wait_until="load")  # a concept and its figure
            page.wait_for_timeout(1000)
            page.screenshot(
                path=Path(os.environ["MNIST_SERIES_SCREENSHOT"]).with_name("slides.png")
            )
        page.close()


def test_without_reveal_js_the_site_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="npm ci"):
        classroom.make_site(tmp_path / "site", reveal=tmp_path / "no_reveal")


def test_the_home_page_numbers_each_chapter_once():
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    titles = [json.loads(p.read_text())["cells"][0]["source"][0].lstrip("# ").strip()
              for p in paths]  # fmt: skip
    pages = [(f"{p.stem}.html", title) for p, title in zip(paths, titles, strict=True)]
    home = classroom._home_page(pages, paths, {})
    rows = re.findall(r"<tr>(.*?)</tr>", home, re.DOTALL)[1:]  # after the header row
    assert len(rows) == len(paths)
    for row, title in zip(rows, titles, strict=True):
        cells = [re.sub(r"<[^>]+>", "", cell).strip()
                 for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]  # fmt: skip
        number = re.match(r"\d+", title).group(0)
        shown = " ".join(cells)
        assert len(re.findall(rf"(?<![\d.]){number}(?![\d.%])", shown.split("%")[0])) == 1, cells


# Every slide of a deck, shown in turn: the height of its content (its scroll height, times the
# zoom it was given) in the frame's pixels, and the frame's size.
MEASURE_SLIDES = """async () => {
  const sizes = [];
  for (const slide of Reveal.getSlides()) {
    const {h, v} = Reveal.getIndices(slide);
    Reveal.slide(h, v);
    await new Promise(done => setTimeout(done, 50));
    if (window.MathJax && MathJax.Hub) {
      await new Promise(done => MathJax.Hub.Queue(done));  // typeset, then fitted
    }
    const zoom = parseFloat(getComputedStyle(slide).zoom) || 1;
    sizes.push({slide: `${h}/${v}`, height: slide.scrollHeight * zoom, zoom: zoom});
  }
  const config = Reveal.getConfig();
  return {width: config.width, height: config.height, sizes: sizes};
}"""


def test_every_slide_fits_the_frame(site, browser):
    """No slide is taller than reveal.js's 960 x 700 frame, as a projector shows it: long
    outputs are shortened, and what is still too tall is zoomed out, at most to half size."""
    site_dir, base = site
    too_tall = []
    for name in pages_of(site_dir, "slides")[1:]:
        page, problems = visit(browser, base + name)
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=10_000)
        measured = page.evaluate(MEASURE_SLIDES)
        assert (measured["width"], measured["height"]) == (960, 700), name
        too_tall += [
            f"{name} #/{size['slide']}: {size['height']:.0f} px at zoom {size['zoom']:.2f}"
            for size in measured["sizes"]
            if size["height"] > measured["height"] + 1 or size["zoom"] < 0.5
        ]
        assert not problems, f"{name}: {problems}"
        page.close()
    assert not too_tall, too_tall


def test_long_outputs_are_shortened_on_slides():
    log = [f"Epoch {n}/20\n" for n in range(1, 21)]
    notebook = {"cells": [{"cell_type": "code", "source": "fit()", "metadata": {},
                           "outputs": [{"output_type": "stream", "name": "stdout", "text": line}
                                       for line in log]}]}  # fmt: skip
    outputs = classroom.slides_notebook(notebook)["cells"][0]["outputs"]
    assert len(outputs) == 1
    lines = outputs[0]["text"].splitlines()
    assert len(lines) <= classroom.SLIDE_LINES
    assert lines[0] == "Epoch 1/20" and lines[-1] == "Epoch 20/20"
    assert len(notebook["cells"][0]["outputs"]) == 20  # the chapter's page keeps them all
