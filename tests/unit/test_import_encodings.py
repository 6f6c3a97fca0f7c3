"""CSV encodings are detected, said, overridable, and garbled text is never stored.

The files are built here: a Big5 CSV (Traditional Chinese names), a Shift-JIS one
(Japanese names), UTF-16 with and without its byte-order mark."""
from __future__ import annotations

import json
import shutil

import pytest

from songnan_geo.cli import main as cli_main
from songnan_geo.layers.importer import ImportOptions, import_layer, layer_target
from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_all_layers, read_manifest

LAYERS = load_all_layers()
MANIFEST = read_manifest()

BIG5_NAMES = ["淞南鎮社區衛生服務中心", "長江西路幼兒園", "寶山區體育館", "淞南公園", "市民活動中心"]
SJIS_NAMES = ["東京都立図書館", "さくら公園", "ヨコハマ体育館", "みなと保育園"]


def _target():
    return layer_target("pois", LAYERS, MANIFEST, None, new=True)


def _csv(names: list[str]) -> str:
    rows = ["id,name,source,accuracy_m,estimated,lon,lat"]
    rows += [f"p{i},{n},survey 2026,20,true,121.46{i},31.35{i}" for i, n in enumerate(names)]
    return "\n".join(rows) + "\n"


def _import(data: bytes, **opts):
    return import_layer(data, "pois.csv", _target(), ImportOptions(crs="wgs84", **opts))


@pytest.mark.parametrize("codec, names, said", [
    ("big5", BIG5_NAMES, "big5"),
    ("shift_jis", SJIS_NAMES, "cp932"),  # Windows' Shift-JIS, a superset
    ("utf-16", BIG5_NAMES, "UTF-16"),     # with its byte-order mark
])
def test_non_utf8_csv_is_detected_said_and_stored_correctly(codec, names, said):
    res = _import(_csv(names).encode(codec))
    assert res.ok, res.report()
    assert res.layer["name"].tolist() == names  # not garbled
    assert res.info["encoding"].lower() == said.lower()
    notes = [w for w in res.warnings if w.code == "read_as_encoding"]
    assert len(notes) == 1 and said in notes[0].text("en")
    assert said in notes[0].text("zh") and "检测为" in notes[0].text("zh")


def test_big5_is_no_longer_read_as_gbk():
    data = _csv(BIG5_NAMES).encode("big5")
    assert data.decode("gb18030") != _csv(BIG5_NAMES)  # what used to be stored: mojibake
    res = _import(data)
    assert res.info["encoding"] == "big5"
    assert not any(w.code == "read_as_gbk" for w in res.warnings)


def test_gbk_csv_keeps_its_note_and_offer():
    names = ["淞南镇社区卫生服务中心", "长江西路幼儿园", "宝山区体育馆"]
    res = _import(_csv(names).encode("gbk"))
    assert res.ok, res.report()
    assert res.layer["name"].tolist() == names
    assert res.info["encoding"] == "gb18030"
    assert [w.code for w in res.warnings] == ["read_as_gbk"]


def test_planner_overrides_the_detection():
    data = _csv(BIG5_NAMES).encode("big5")
    res = _import(data, encoding="big5")
    assert res.ok and res.layer["name"].tolist() == BIG5_NAMES
    assert res.info["encoding"] == "big5"
    assert not res.warnings  # the planner chose it: nothing to say
    forced = _import(data, encoding="utf-8")  # a wrong choice is refused, not garbled
    assert not forced.ok and forced.problems[0].code == "encoding_failed"


def test_utf16_without_bom_is_detected():
    res = _import(_csv(BIG5_NAMES).encode("utf-16-le"))
    assert res.ok, res.report()
    assert res.layer["name"].tolist() == BIG5_NAMES
    assert res.info["encoding"] == "utf_16_le"


def test_uncertain_encoding_is_refused_naming_candidates():
    # Bytes that several single-byte code pages read, each as different text.
    data = ("id,name,source,accuracy_m,estimated,lon,lat\n"
            "p1,\x8e\x9a\xe6\xf0\xfe,survey,20,true,121.46,31.35\n").encode("latin-1")
    res = _import(data)
    assert not res.ok and res.layer is None and res.imported is None
    assert [p.code for p in res.problems] == ["encoding_uncertain"]
    assert len(res.problems[0].params["candidates"]) >= 2
    assert "garbled" in res.problems[0].text("en") and "乱码" in res.problems[0].text("zh")
    chosen = _import(data, encoding="cp1252")  # the planner knows: read as chosen
    assert chosen.ok and chosen.layer["name"].tolist() == ["Žšæðþ"]


def test_cli_encoding_override_and_note(tmp_path, capsys):
    data_dir = tmp_path / "geo"
    shutil.copytree(DEFAULT_DATA_DIR, data_dir)
    f = tmp_path / "pois.csv"
    f.write_bytes(_csv(SJIS_NAMES).encode("shift_jis"))
    args = ["import", str(f), "--layer", "pois", "--new", "--crs", "wgs84", "--data-dir",
            str(data_dir), "--dry-run"]
    assert cli_main(args) == 0
    out = capsys.readouterr().out
    assert "detected as cp932" in out and "1 feature" not in out
    assert cli_main(args + ["--encoding", "shift_jis"]) == 0
    assert "detected" not in capsys.readouterr().out
    manifest = json.loads((data_dir / "manifest.json").read_text("utf-8"))
    assert "pois" not in manifest["layers"]  # a dry run stores nothing
