"""One language at a time (issue 16), measured on what Chromium shows, with screenshots.

Every page is opened in Chinese, then switched to English with the sidebar's switch. The
visible text of every frame (the page, the map's iframe, the briefing's preview) is read node
by node: text that is displayed and has a size; Streamlit's icon ligatures are skipped.

- English mode: Chinese characters must be under 5 % of the visible characters (whitespace not
  counted). Proper names with no English form (居委 names, 逸仙路) count too: that is the budget.
- Chinese mode: no English sentence — three or more English words in a row — outside code blocks.

Screenshots of every page in both languages go to artifacts/screenshots/ (git-ignored), and the
figures to artifacts/screenshots/language_figures.txt, one line per page and language.
"""
from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS, open_app_page
from test_browser import wait_title

from songnan_geo.text.i18n import t

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screenshots"
#: (url path, title key) of every page, as app.py registers them (the overview shows the app title).
PAGES = [("/", "app_title"), ("/catalogue", "catalogue"), ("/data", "data_manager"),
         ("/tracker", "tracker"), ("/coverage", "coverage"), ("/briefing", "briefing"),
         ("/indicators", "indicators"), ("/carriers", "carriers"), ("/evaluation", "evaluation")]
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
#: Three or more English words in a row, separated by spaces (an English sentence or phrase; a
#: hyphenated user name such as "songnan-test-user" is one word).
ENGLISH_RUN = re.compile(r"(?<![\w-])[A-Za-z][a-z’']+(?:[,;:]?\s+[A-Za-z][a-z’']+){2,}(?![\w-])")
#: Chinese share allowed in English mode.
CJK_LIMIT = 0.05
#: Pages still over the limit when this test was written (issue 16), with who owns the fix. The
#: mark is strict: once a page passes, the test fails until its line here is removed.
KNOWN_OPEN: dict[str, str] = {}
#: The first page of a cold server waits for every import; on a loaded machine that is slow.
TITLE_WAIT_MS = 240_000

# Visible text nodes of one document: displayed, with a size, not an icon ligature, not a script.
_VISIBLE_TEXT = """() => {
  const out = [];
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) {
    const n = w.currentNode, el = n.parentElement, s = n.textContent.trim();
    if (!s || !el || el.closest('script, style, noscript, [data-testid="stIconMaterial"]')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') continue;
    const r = el.getBoundingClientRect();
    // no size, or moved off the page (the "Skip to main content" link until it has focus)
    if (r.width <= 1 || r.height <= 1 || r.right <= 0 || r.bottom <= 0) continue;
    out.push([s, !!el.closest('pre, code, [data-testid="stCode"]')]);
  }
  return out;
}"""


#: Streamlit's script state on the app's root element is one of a finished run.
_SCRIPT_DONE = """() => { const a = document.querySelector('[data-testid="stApp"]');
  return !!a && ['notRunning', 'compilationError'].includes(a.dataset.testScriptState); }"""


def visible_text(page) -> list[tuple[str, bool]]:
    """(text, inside a code block) of every visible text node in every frame of ``page``."""
    found = []
    for frame in page.frames:
        try:
            found += [tuple(x) for x in frame.evaluate(_VISIBLE_TEXT)]
        except Exception:  # a frame replaced while we read it, or a blank one
            continue
    return found


def settle(page, ms: int = 1500) -> None:
    """Wait until Streamlit has run the script (the app's ``data-test-script-state``, its status
    widget gone, no spinner: the briefing shows only its spinner while it makes the documents),
    the visible text stays the same for a second, every iframe (the map, the briefing's preview)
    has a document with text, then a little more."""
    page.wait_for_timeout(500)
    page.wait_for_function(_SCRIPT_DONE, timeout=120_000)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=120_000)
    spinners = page.locator('[data-testid="stSpinner"]')
    last = None
    for _ in range(240):   # the visible text unchanged for a second, with no spinner
        spinning = any(spinners.nth(i).is_visible() for i in range(spinners.count()))
        now = sum(len(s) for s, _ in visible_text(page))
        if not spinning and now == last:
            break
        last = None if spinning else now
        page.wait_for_timeout(1000)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=120_000)
    for _ in range(240):
        frames = [f for f in page.frames if f != page.main_frame]
        try:
            if all(f.evaluate("document.body && document.body.innerText.trim().length > 0")
                   for f in frames):
                break
        except Exception:  # a frame replaced while we look at it
            pass
        page.wait_for_timeout(500)
    page.wait_for_timeout(ms)


def figures(texts: list[tuple[str, bool]]) -> dict:
    chars = "".join(s for s, _ in texts)
    chars = re.sub(r"\s", "", chars)
    cjk = len(CJK.findall(chars))
    english = [m.group(0) for s, code in texts if not code for m in ENGLISH_RUN.finditer(s)]
    return {"chars": len(chars), "cjk": cjk, "cjk_share": cjk / max(len(chars), 1),
            "english_runs": english,
            "cjk_samples": sorted({s for s, _ in texts if CJK.search(s)}, key=len)[:40]}


def _record(name: str, lang: str, f: dict) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    line = (f"{name:14s} {lang}: {f['chars']:6d} chars, {f['cjk']:5d} Chinese "
            f"({100 * f['cjk_share']:5.1f} %), English runs outside code: {len(f['english_runs'])}")
    with open(SHOTS / "language_figures.txt", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        if lang == "zh" and f["english_runs"]:
            fh.write("    English: " + " | ".join(sorted(set(f["english_runs"]))[:30]) + "\n")
        if lang == "en" and f["cjk_share"] >= CJK_LIMIT:
            fh.write("    Chinese: " + " | ".join(f["cjk_samples"][:30]) + "\n")


@pytest.fixture(scope="module", autouse=True)
def _fresh_figures():
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "language_figures.txt").write_text("", encoding="utf-8")


def wait_title(page, title: str) -> None:
    """Wait for the page's <h1> ``title``; fail at once if the app shows an exception instead."""
    exc = page.locator('[data-testid="stException"]')
    page.locator("h1", has_text=title).or_(exc).first.wait_for(state="visible", timeout=TITLE_WAIT_MS)
    assert exc.count() == 0, f"the page shows an exception instead of '{title}':\n" + "\n".join(
        exc.all_inner_texts())


@pytest.mark.parametrize(("path", "key"), [
    pytest.param(p, k, marks=pytest.mark.xfail(reason=KNOWN_OPEN[k], strict=True)) if k in KNOWN_OPEN
    else (p, k) for p, k in PAGES], ids=[k for _, k in PAGES])
def test_one_language_at_a_time(chromium, streamlit_server, path, key):
    results = {}
    with open_app_page(chromium, streamlit_server) as ap:
        page = ap.page
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto(streamlit_server + path)
        wait_title(page, t(key, "zh"))
        settle(page)
        page.screenshot(path=str(SHOTS / f"{key}-zh.png"), full_page=True)
        results["zh"] = figures(visible_text(page))
        page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
        wait_title(page, t(key, "en"))
        settle(page, 2500)
        page.screenshot(path=str(SHOTS / f"{key}-en.png"), full_page=True)
        results["en"] = figures(visible_text(page))
    for lang in ("zh", "en"):
        _record(key, lang, results[lang])
    problems = []
    if results["en"]["cjk_share"] >= CJK_LIMIT:
        problems.append(f"English mode: {100 * results['en']['cjk_share']:.1f} % Chinese characters "
                        f"(limit {100 * CJK_LIMIT:.0f} %); e.g. {results['en']['cjk_samples'][:15]}")
    if results["zh"]["english_runs"]:
        problems.append(f"Chinese mode shows English: {sorted(set(results['zh']['english_runs']))[:15]}")
    assert not problems, f"{key}: " + "; ".join(problems)
