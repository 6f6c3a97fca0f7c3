"""A small synthetic plan folder for tests (2026–2030), built in a temporary folder.

Nothing here is an official figure: the text says it is synthetic, and the plan is never
shipped (the repository's only plan is data/plans/fyp14)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from songnan_geo.plan import registry as plans

SYNTHETIC_TEXT = ("测试用合成规划文本（非官方，仅供测试）。\n"
                  "第一条：2027 年底前完成沪北物流地块开发建设。\n"
                  "第二条：推进逸仙公园提升。\n")


def write_synthetic_plan(root: Path, plan_id: str = "synth30", **overrides) -> Path:
    """A valid plan folder ``root/plan_id`` for 2026-01-01..2030-12-31 with two targets and
    one indicator (copied from the 14th plan's table format, target and name made up and
    labelled so)."""
    folder = Path(root) / plan_id
    (folder / "indicators").mkdir(parents=True)
    meta = {"id": plan_id, "name_zh": "测试用合成规划（2026–2030）",
            "name_en": "Synthetic test plan (2026–2030)", "period_start": "2026-01-01",
            "period_end": "2030-12-31", "baseline_year": 2025, "text": "plan.txt",
            "indicators": "indicators", "targets": "targets.csv",
            "zones": ["centre"], "carrier_indicator_seqs": []}
    meta.update(overrides)
    (folder / "plan.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    (folder / "plan.txt").write_text(SYNTHETIC_TEXT, encoding="utf-8")
    (folder / "targets.csv").write_text(
        "item_id,plan_target,target_status,target_rule,plan_deadline,plan_quote\n"
        "p_hubei_logistics,开发建设,在建,reach,2027,2027 年底前完成沪北物流地块开发建设。\n"
        "f14_yixian_park,提升,已完成,reach,2030,推进逸仙公园提升。\n", encoding="utf-8")
    src = plans.load_plan("fyp14").indicators_dir
    shutil.copy(src / "baseline_13th.csv", folder / "indicators" / "baseline_13th.csv")
    (folder / "indicators" / "baseline_text.csv").write_text(
        "id,table6_seq,baseline_value,plan_quote,plan_line,source,estimated,note\n", encoding="utf-8")
    (folder / "indicators" / "table6.csv").write_text(
        "id,category,seq,name,unit,target_2025,attribute,plan_lines,measure,better,source,estimated,note\n"
        "s01,测试,1,合成测试指标,个,3,预期性,1,cumulative,higher,synthetic test,true,合成\n",
        encoding="utf-8")
    return folder


#: The synthetic plan's indicator table with two carrier rows (2: new carriers count/area,
#: 3: high-tech enterprises); names and targets made up and labelled so.
CARRIER_TABLE6 = (
    "id,category,seq,name,unit,target_2025,attribute,plan_lines,measure,better,source,estimated,note\n"
    "s01,测试,1,合成测试指标,个,3,预期性,1,cumulative,higher,synthetic test,true,合成\n"
    "s02,测试,2,合成新增载体数量/面积,个/万平方米,2/5,预期性,1,cumulative,higher,synthetic test,true,合成\n"
    "s03,测试,3,合成高新技术企业数,个,30,预期性,1,level,higher,synthetic test,true,合成\n")


def write_carrier_plan(root: Path, plan_id: str = "synth30c", **overrides) -> Path:
    """:func:`write_synthetic_plan` whose ``carrier_indicator_seqs`` are rows 2 and 3 of
    :data:`CARRIER_TABLE6` (no carrier figures)."""
    folder = write_synthetic_plan(root, plan_id, **{"carrier_indicator_seqs": [2, 3], **overrides})
    (folder / "indicators" / "table6.csv").write_text(CARRIER_TABLE6, encoding="utf-8")
    return folder


#: The synthetic plan's words for its own new items (made up, labelled so by the text's first line).
ITEMS_TEXT = ("第三条：2028 年底前完成测试新地块出让。\n"
              "第四条：2029 年底前建成测试新项目。\n")
#: A new parcel (outline in EPSG:4326, inside the town, drawn for the test) and a new project.
ITEMS_CSV = (
    "id,kind,name,name_en,category,zone_id,status,status_date,status_source,source,accuracy_m,"
    "estimated,wkt,note\n"
    "p_synth_new,parcel,测试新地块,Synthetic new parcel,科创产业,centre,收储,2026-03,"
    "合成测试状态,synthetic test outline,100,true,"
    "\"POLYGON ((121.488 31.345, 121.490 31.345, 121.490 31.347, 121.488 31.347, 121.488 31.345))\","
    "合成\n"
    "x_synth_project,project,测试新项目,Synthetic new project,重点产业项目,,前期准备,2026-02,"
    "合成测试状态,synthetic test,,true,,合成\n")
ITEM_TARGETS = ("p_synth_new,出让,已出让,reach,2028,2028 年底前完成测试新地块出让。\n"
                "x_synth_project,建成,已完成,reach,2029,2029 年底前建成测试新项目。\n")


def write_items_plan(root: Path, plan_id: str = "synth30i", items_csv: str = ITEMS_CSV,
                     **overrides) -> Path:
    """:func:`write_synthetic_plan` with its own new items (``items.csv``: one parcel with an
    outline, one project) and targets for them besides the targets on existing items."""
    folder = write_synthetic_plan(root, plan_id, **{"items": "items.csv", **overrides})
    with open(folder / "plan.txt", "a", encoding="utf-8") as fh:
        fh.write(ITEMS_TEXT)
    with open(folder / "targets.csv", "a", encoding="utf-8") as fh:
        fh.write(ITEM_TARGETS)
    (folder / "items.csv").write_text(items_csv, encoding="utf-8")
    return folder
