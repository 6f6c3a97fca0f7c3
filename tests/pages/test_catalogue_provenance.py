"""数据目录 says each layer's sources in words (issue 16): no path, file name, OSM id or line
number outside the technical-detail expander, in Chinese and in English; the expander holds
the data file and the stored source records."""
from __future__ import annotations

import re

import pytest
from conftest import app_page_paths, open_page, read_manifest, run_app
from streamlit.testing.v1.element_tree import Block, Dataframe, Expander

from songnan_geo.layers.io import load_all_layers
from songnan_geo.text.i18n import t
from songnan_geo.text.safe_text import markdown_text

MANIFEST = read_manifest()
LAYERS = load_all_layers()

#: What a path, file name, repository reference, OSM id, web address or line number looks like.
PATH_LIKE = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+|\.(?:csv|json|geojson|html|py|md|txt)\b"
                       r"|第\s*\d+\s*行|\bline \d+|https?:")


def _texts(node, inside_expander=False):
    """(text, inside an expander?) of every element under ``node``, dataframe cells included."""
    if isinstance(node, Block):
        inside = inside_expander or isinstance(node, Expander)
        if isinstance(node, Expander):
            yield node.label, inside_expander
        for child in node.children.values():
            yield from _texts(child, inside)
        return
    if isinstance(node, Dataframe):
        frame = node.value
        yield " ".join(map(str, frame.columns)), inside_expander
        for row in frame.astype(str).itertuples(index=False):
            yield " ".join(map(str, row)), inside_expander
        return
    for attr in ("value", "label", "options"):
        v = getattr(node, attr, None)
        if v is not None:
            yield str(v), inside_expander


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sources_in_words_and_detail_only_in_the_expander(lang):
    at = open_page(app_page_paths()["catalogue"], lang)
    for name, info in MANIFEST["layers"].items():
        at.selectbox(key="catalogue_layer").set_value(name)
        run_app(at)
        texts = list(_texts(at.main))
        outside = [s for s, inside in texts if not inside and PATH_LIKE.search(s)]
        assert outside == [], (name, lang, outside[:3])
        # the expander holds the detail: the data file and each stored source record
        expanders = [e for e in at.main.expander if e.label == t("prov_detail", lang)]
        assert len(expanders) == 1, (name, lang)
        inside = " ".join(s for s, flag in texts if flag)
        assert markdown_text(info["file"]) in inside, (name, lang)
        for src in set(LAYERS[name]["source"]):
            assert markdown_text(src) in inside, (name, lang, src)
        # and the sources are said in words in the page's language
        words = [m.value for m in at.main.markdown if m.value.startswith("- ")]
        assert words, (name, lang)


def test_osm_stations_said_as_contributors_in_each_language():
    for lang, words in (("zh", "OpenStreetMap 贡献者"), ("en", "OpenStreetMap contributors (ODbL 1.0)")):
        at = open_page(app_page_paths()["catalogue"], lang)
        at.selectbox(key="catalogue_layer").set_value("metro_stations")
        run_app(at)
        said = "\n".join(m.value for m in at.main.markdown)
        assert words in said, (lang, said)
        assert "node" not in said and "snapshot" not in said
        table = at.main.dataframe[0].value
        assert t("prov_osm", lang) in set(table[{"zh": "来源", "en": "Source"}[lang]])
        assert not any("OpenStreetMap 要素" == c or "OpenStreetMap feature" == c for c in table.columns)
