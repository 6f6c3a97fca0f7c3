"""Pages under AppTest with hostile data text (issue 11): free text from the data reaches the
page escaped, never as markup or template source."""
from __future__ import annotations

import json

from conftest import DATA_DIR
from hostile import HOSTILE, canary_fired

from songnan_geo.text import safe_text
from songnan_geo.text.i18n import t


def test_catalogue_page_escapes_a_layer_source_in_markdown(tmp_path, monkeypatch):
    """A layer's source (free text from the data) is shown by st.caption in the technical
    detail: it goes in escaped; the words above it name it as another source."""
    import shutil

    from conftest import app_page_paths, open_page

    data = tmp_path / "geo"
    shutil.copytree(DATA_DIR, data)
    path = data / "facilities.geojson"
    doc = json.loads(path.read_text("utf-8"))
    source = HOSTILE["markdown"] + " " + HOSTILE["jinja_expr"] + " " + HOSTILE["img_onerror"]
    doc["features"][0]["properties"]["source"] = source
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    monkeypatch.setenv("SONGNAN_DATA_DIR", str(data))

    at = open_page(app_page_paths()["catalogue"])
    assert not at.error, [e.value for e in at.error]
    at.selectbox(key="catalogue_layer").set_value("facilities")
    at.run()
    captions = [c.value for c in at.caption]   # the stored records, in the technical expander
    assert any(c.endswith(" " + safe_text.markdown_text(source)) for c in captions), captions
    assert not any(source in c for c in captions)
    assert canary_fired(*captions) == []
    # said in words as a source the catalogue does not know, never as the text itself
    words = [m.value for m in at.main.markdown if m.value.startswith("- ")]
    assert any(t("prov_other", "zh") in w for w in words) and not any(source in w for w in words)
