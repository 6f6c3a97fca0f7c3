"""A plan's own new parcels and projects (``items.csv`` of a plan folder): their checks and
their tracker rows.

A later plan may bring items the tracker does not know yet. :func:`check_item_rows` lists every
problem of the file's rows (codes of :mod:`songnan_geo.text.error_messages`): ids, kinds and
statuses of :mod:`songnan_geo.plan.workflow`, dates, zones, and a parcel's outline as WKT in
**EPSG:4326** (lon/lat degrees) with its ``accuracy_m`` (metres). :func:`new_item_records`
turns a validated plan's items into the rows ``plan add`` gives the tracker store. No I/O
here: :mod:`songnan_geo.plan.registry` reads the file.
"""
from __future__ import annotations

import re

import pandas as pd

from songnan_geo import clock
from songnan_geo.plan import workflow
from songnan_geo.text.error_messages import msg

#: Columns of a plan's ``items.csv`` (its own new parcels and projects).
ITEM_COLUMNS = ("id", "kind", "name", "name_en", "category", "zone_id", "status", "status_date",
                "status_source", "source", "accuracy_m", "estimated", "wkt", "note")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def _check_outline(row, where: str, town, problems: list) -> None:
    """A new parcel's ``wkt``: a valid (Multi)Polygon in EPSG:4326 within the town, with its
    ``accuracy_m`` (metres, 0 or more)."""
    import shapely  # noqa: PLC0415  (only when a plan brings outlines)

    if row.kind != "parcel":
        problems.append(msg("plan_item_wkt_project", where=where, item=row.id))
        return
    try:
        geom = shapely.from_wkt(row.wkt)
    except shapely.errors.GEOSException as exc:
        problems.append(msg("plan_item_wkt_bad", where=where, error=str(exc).strip()))
        return
    if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        problems.append(msg("plan_item_wkt_type", where=where,
                            got=geom.geom_type if geom is not None else "—"))
        return
    if not geom.is_valid:
        problems.append(msg("plan_item_wkt_invalid", where=where,
                            reason=shapely.is_valid_reason(geom)))
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90) or (
            town is not None and not geom.intersects(town)):
        problems.append(msg("plan_item_outside_town", where=where, item=row.id,
                            lon=round((minx + maxx) / 2, 4), lat=round((miny + maxy) / 2, 4)))
    try:
        ok = float(row.accuracy_m) >= 0
    except ValueError:
        ok = False
    if not ok:
        problems.append(msg("plan_item_accuracy", where=where, value=row.accuracy_m))


def check_item_rows(frame: pd.DataFrame, file_name: str, known_items, zones, town,
                    problems: list) -> set[str]:
    """Check the rows of a plan's ``items.csv`` (read as text, columns :data:`ITEM_COLUMNS`).

    Parameters
    ----------
    frame : DataFrame
        The file's rows, every value a string.
    file_name : str
        The file's name, for the problems' ``where`` (``items.csv:3``, row 1 the header).
    known_items : set of str or None
        Ids the tracker knows already: a new item may not reuse one (it continues with its
        history; give it a target instead).
    zones : set of str or None
        The zones layer's ids.
    town : shapely geometry or None
        The town's boundary (EPSG:4326); a parcel's outline must touch it.
    problems : list
        Every problem found is appended (:func:`songnan_geo.text.error_messages.msg`).

    Returns
    -------
    set of str
        The new items' ids.
    """
    seen: set[str] = set()
    for n, row in enumerate(frame.itertuples(index=False), start=2):
        where = f"{file_name}:{n}"
        if not _ID_RE.match(row.id):
            problems.append(msg("plan_item_bad_id", where=where, item=row.id))
        elif row.id in seen:
            problems.append(msg("plan_item_duplicate", where=where, item=row.id))
        elif known_items is not None and row.id in known_items:
            problems.append(msg("plan_item_exists", where=where, item=row.id))
        seen.add(row.id)
        if row.kind not in workflow.WORKFLOWS:
            problems.append(msg("plan_item_kind", where=where, value=row.kind))
        elif row.status not in workflow.get_workflow(row.kind).statuses:
            problems.append(msg("plan_item_status", where=where, status=row.status,
                                statuses=list(workflow.get_workflow(row.kind).statuses)))
        for col in ("name", "status_source", "source"):
            if not getattr(row, col).strip():
                problems.append(msg("plan_item_empty", where=where, column=col))
        try:
            if workflow.parse_period(row.status_date) > clock.today():
                problems.append(msg("plan_item_date_future", where=where, date=row.status_date))
        except workflow.PeriodError:
            problems.append(msg("plan_item_date_form", where=where, date=row.status_date))
        if row.zone_id and zones is not None and row.zone_id not in set(zones):
            problems.append(msg("plan_item_zone", where=where, zone=row.zone_id,
                                known=sorted(zones)))
        if row.estimated not in ("true", "false"):
            problems.append(msg("plan_item_estimated", where=where, value=row.estimated))
        if row.wkt.strip():
            _check_outline(row, where, town, problems)
    return seen


def new_item_records(plan, zones) -> tuple[list[dict], dict]:
    """The plan's own new items as tracker rows, and the new parcels' outlines.

    Parameters
    ----------
    plan : songnan_geo.plan.registry.Plan
        A validated plan (its ``targets()`` and ``new_items()``).
    zones : GeoDataFrame
        The zones layer (``id``, ``kind``; EPSG:4326), for ``in_centre``.

    Returns
    -------
    (items, outlines)
        ``items``: one dict per row of ``items.csv`` with the store's item fields (``grp`` is
        ``"parcel"`` for a parcel, the plan's id for a project), the plan's target for it
        (``targets.csv``, else none), the status it starts with (``status``, ``status_date``)
        and ``attrs`` (``plan_id``: the plan that brought it; ``plan_quote``, ``status_source``,
        ``zone_id``, ``source``, ``accuracy_m`` in metres, ``estimated``, ``area_m2`` of the
        outline in square metres or None, ``in_centre``, ``note``). ``outlines``: parcel id →
        MultiPolygon in EPSG:4326.

        ``in_centre`` is computed as for the shipped parcels (``tools/build_data.py``:
        :func:`songnan_geo.plan.zones.in_centre`, the outline intersects a zone of kind
        ``centre``, in the town's metric CRS): True or False for a parcel with an outline;
        None (not known) for a parcel without one, and for a project.
    """
    import geopandas as gpd  # noqa: PLC0415
    import shapely  # noqa: PLC0415
    from shapely.geometry import MultiPolygon  # noqa: PLC0415

    from songnan_geo.coords.crs import STORAGE_CRS, area_m2  # noqa: PLC0415
    from songnan_geo.plan.zones import in_centre  # noqa: PLC0415

    targets = plan.targets().set_index("item_id")
    items, outlines = [], {}
    for row in plan.new_items().to_dict("records"):
        target = targets.loc[row["id"]] if row["id"] in targets.index else None
        geom = shapely.from_wkt(row["wkt"]) if row["wkt"].strip() else None
        if geom is not None:
            geom = geom if geom.geom_type == "MultiPolygon" else MultiPolygon([geom])
            outlines[row["id"]] = geom
            one = gpd.GeoDataFrame(geometry=[geom], crs=STORAGE_CRS)
            area = float(area_m2(one).iloc[0])
            centre = bool(in_centre(one, zones).iloc[0])
        attrs = {"plan_id": plan.id,
                 "plan_quote": target["plan_quote"] if target is not None else None,
                 "status_source": row["status_source"], "planned_use": row["category"] or None,
                 "zone_id": row["zone_id"] or None, "in_centre": centre if geom is not None else None,
                 "area_m2": round(area, 1) if geom is not None else None,
                 "source": row["source"],
                 "accuracy_m": float(row["accuracy_m"]) if row["accuracy_m"] else None,
                 "estimated": row["estimated"] == "true", "note": row["note"]}
        items.append(dict(
            id=row["id"], kind=row["kind"], grp="parcel" if row["kind"] == "parcel" else plan.id,
            workflow=row["kind"], name=row["name"], name_en=row["name_en"] or None,
            category=row["category"] or None,
            plan_target=target["plan_target"] if target is not None else None,
            target_status=target["target_status"] if target is not None else None,
            target_rule=target["target_rule"] if target is not None else None,
            plan_deadline=target["plan_deadline"] if target is not None else None,
            status=row["status"], status_date=row["status_date"], attrs=attrs))
    return items, outlines
