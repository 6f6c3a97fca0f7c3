"""End to end: the 招商简报 page in Debian's Chromium downloads a real PDF, offline."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from test_browser import WAIT_MS, assert_clean, open_app, poll

pytestmark = pytest.mark.browser


def test_briefing_pdf_download(app_page, tmp_path):
    ap = app_page
    open_app(ap, "/briefing", "招商简报")
    # the preview (an iframe with the HTML briefing) shows its map image
    frame_el = ap.page.wait_for_selector('iframe[srcdoc]', state="attached", timeout=WAIT_MS)
    frame = poll(ap, frame_el.content_frame, "the preview iframe's document")
    poll(ap, lambda: frame.evaluate(
        "(() => { const i = document.querySelector('figure img'); "
        "return !!i && i.complete && i.naturalWidth > 100; })()"), "the preview's map image")
    assert "沪北物流地块" in frame.locator("h1").inner_text()

    button = ap.page.locator('[data-testid="stDownloadButton"] button', has_text="下载 PDF")
    button.wait_for(state="visible", timeout=WAIT_MS)
    # an investor document is never exported without a contact: asked for first
    assert button.is_disabled()
    contact = ap.page.get_by_label("招商联系人（单位、姓名、电话）", exact=True)
    contact.fill("淞南镇招商服务中心")
    contact.press("Enter")
    poll(ap, button.is_enabled, "the download button after the contact was given")
    with ap.page.expect_download(timeout=WAIT_MS) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "briefing_p_hubei_logistics.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(p.extract_text() for p in reader.pages).replace(" ", "").replace("\n", "")
    assert "沪北物流地块" in text and "长江西路" in text
    assert "淞南镇招商服务中心" in text and "待填写" not in text
    assert_clean(ap)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_preview_shows_the_whole_briefing(chromium, streamlit_server, lang):
    """The preview frame is as tall as the briefing in it, in both languages and after its
    folded originals are opened: nothing is cut at the bottom (at 1280×720)."""
    from conftest import open_app_page
    from test_language_browser import settle, wait_title

    from songnan_geo.text.i18n import t

    with open_app_page(chromium, streamlit_server) as ap:
        page = ap.page
        page.set_viewport_size({"width": 1280, "height": 720})
        page.goto(streamlit_server + "/briefing")
        wait_title(page, t("briefing", "zh"))
        settle(page)
        if lang == "en":
            page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
            wait_title(page, t("briefing", "en"))
            settle(page, 2500)
        for kind in ("parcel", "zone"):
            page.locator('[data-testid="stRadio"]').get_by_text(
                t(f"bf_kind_{kind}", lang), exact=True).first.click()
            settle(page)
            frame_el = page.locator("iframe[srcdoc]").first
            frame = frame_el.element_handle().content_frame()
            if lang == "en":   # the originals, folded, open inside the frame
                frame.evaluate("document.querySelector('details').open = true")
                page.wait_for_timeout(1500)
            doc_h = frame.evaluate("document.documentElement.scrollHeight")
            frame_h = frame_el.bounding_box()["height"]
            assert frame_h >= doc_h - 1, f"{lang} {kind}: preview {frame_h} px, briefing {doc_h} px"
