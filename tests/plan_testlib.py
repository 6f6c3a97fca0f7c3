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
