"""生活圈覆盖 — who is within reach of which facilities, gaps, what-if sites and best new sites."""
import hashlib
import io
import time

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from songnan_geo.coords.crs import STORAGE_CRS, TOWN_CRS
from songnan_geo.lifecircle import standards as sd
from songnan_geo.lifecircle.access2sfca import two_step_fca
from songnan_geo.lifecircle.coverage import (
    coverage_by_area,
    coverage_summary,
    population_grid,
    service_areas,
    uncovered_parts,
)
from songnan_geo.lifecircle.network import WalkNetwork
from songnan_geo.lifecircle.siting import CoverageSiting, SitingError, grid_candidates
from songnan_geo.maps.clicks import clicked_lonlat
from songnan_geo.maps.coverage_map import build_coverage_base_map, coverage_overlays
from songnan_geo.text.i18n import field_label, t
from songnan_geo.text.safe_text import markdown_text

lang = st.session_state.get("lang", "zh")
layers, manifest = st.session_state["layers"], st.session_state["manifest"]
basemap = st.session_state.get("basemap", "blank")
ALL = sd.ALL_TYPES
TOGGLE_M = 60  # a click this close to a candidate removes it


@st.cache_resource(show_spinner=False)
def walk_network(key: str, _roads: gpd.GeoDataFrame) -> WalkNetwork:
    """The walking graph, built once per roads layer (``key`` = hash of its geometry)."""
    return WalkNetwork.from_roads(_roads)


def geometry_key(gdf: gpd.GeoDataFrame) -> str:
    return hashlib.sha1(b"".join(shapely.to_wkb(gdf.geometry.values.to_numpy()))).hexdigest()


st.title(t("coverage", lang))
st.info(t("estimated_banner", lang), icon="ℹ️")
st.caption(t("cov_intro", lang))

standards = sd.load_standards()
facilities, residential = layers["facilities"], layers["residential"]
types = list(dict.fromkeys(facilities["type"]))

c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
ftype = c1.selectbox(t("cov_type", lang), [ALL] + types, key="cov_type",
                     format_func=lambda v: t("cov_all_types", lang) if v == ALL else v)
std_id = c2.selectbox(t("cov_standard", lang), sd.standard_ids(standards), key="cov_standard",
                      format_func=lambda s: sd.standard_title(standards, s, lang))
method = c3.radio(t("cov_method", lang), ["euclidean", "network"], key="cov_method",
                  format_func=lambda m: t(f"cov_method_{m}", lang))
speed = c4.number_input(t("cov_speed", lang), min_value=2.0, max_value=7.0, value=4.5, step=0.1,
                        key="cov_speed", disabled=method != "network")

radius = sd.radius_by_type(standards, std_id, types)
no_radius = [x for x in types if x not in radius]
if no_radius:
    st.warning(t("cov_no_radius", lang) + "、".join(markdown_text(x) for x in no_radius))
chosen_types = [x for x in ([ftype] if ftype != ALL else types) if x in radius]
cand_types = [x for x in types if x in radius]
cand_type = (ftype if ftype in radius else
             st.selectbox(t("cov_candidate_type", lang), cand_types, key="cov_cand_type"))
st.caption(f"{t('cov_radius_caption', lang)}: " + "；".join(
    f"{markdown_text(x)} {radius[x]:g} m" for x in (chosen_types if ftype != ALL else cand_types)))

# --- candidate sites: the map's last click (from the previous run) adds or removes one
cands = st.session_state.setdefault("cov_candidates", [])
map_key = f"cov_map_{lang}_{basemap}"
click = (st.session_state.get(map_key) or {}).get("last_clicked")
if click and click != st.session_state.get("cov_last_click"):
    st.session_state["cov_last_click"] = click
    lon, lat = clicked_lonlat(click, basemap)   # WGS84, also over a GCJ-02 basemap
    here = gpd.GeoSeries.from_xy([lon], [lat], crs=STORAGE_CRS).to_crs(TOWN_CRS).iloc[0]
    near = [i for i, c in enumerate(cands) if gpd.GeoSeries.from_xy(
        [c["lon"]], [c["lat"]], crs=STORAGE_CRS).to_crs(TOWN_CRS).iloc[0].distance(here) <= TOGGLE_M]
    if near:
        cands.pop(near[0])
    else:
        cands.append({"lon": lon, "lat": lat})


def candidate_gdf(points: list[dict], ftype_: str) -> gpd.GeoDataFrame:
    names = [f"{t('cov_candidate', lang)} {i + 1}" for i in range(len(points))]
    return gpd.GeoDataFrame(
        {"id": [f"cand_{i + 1}" for i in range(len(points))], "name": names,
         "type": [ftype_] * len(points), "estimated": [True] * len(points)},
        geometry=gpd.points_from_xy([p["lon"] for p in points], [p["lat"] for p in points]),
        crs=STORAGE_CRS)


existing = facilities[facilities["type"].isin(chosen_types)]
cand_gdf = candidate_gdf(cands, cand_type)
with_cands = pd.concat([existing, cand_gdf], ignore_index=True) if len(cand_gdf) else existing
network = walk_network(geometry_key(layers["roads"]), layers["roads"]) if method == "network" else None

started = time.perf_counter()
result = coverage_by_area(residential, with_cands, radius, method=method, network=network,
                          walk_speed_kmh=speed)
summary = coverage_summary(result, "population")
base = (coverage_summary(coverage_by_area(residential, existing, radius, method=method,
                                          network=network), "population")
        if len(cand_gdf) else summary)
areas = service_areas(with_cands, radius, method=method, network=network)
gaps = uncovered_parts(residential, areas)
elapsed = time.perf_counter() - started

# --- summary against the city targets
st.subheader(t("cov_summary", lang))
m1, m2, m3, m4 = st.columns(4)
delta = (f"{summary['share'] - base['share']:+.1%} {t('cov_change', lang)}" if len(cand_gdf) else None)
m1.metric(t("cov_share_metric", lang), f"{summary['share']:.1%}", delta=delta)
m2.metric(t("cov_pop_metric", lang), f"{summary['covered']:,.0f}")
m3.metric(t("cov_total_pop", lang), f"{summary['total']:,.0f}")
m4.metric(t("cov_uncovered_areas", lang), int((~result["covered"]).sum()))
targets = sd.city_targets()
tcols = st.columns(len(targets))
for col, row in zip(tcols, targets.itertuples()):
    gap = summary["share"] - row.share
    col.metric(f"{row.year} {t('cov_target', lang)} {row.share:.0%}",
               t("cov_target_met", lang) if gap >= 0 else f"{t('cov_target_gap', lang)} {-gap:.1%}")
st.caption(t("cov_targets_caption", lang) + " " + " ".join(
    markdown_text(f"{row.year}: {row.title_zh if lang == 'zh' else row.title_en} — {row.source}")
    for row in targets.itertuples()))
if method == "network":
    st.caption(t("cov_network_note", lang).format(
        nodes=network.n_nodes, edges=network.n_edges,
        snap=float(result["snap_m"].median())))
st.caption(t("cov_timing", lang).format(s=elapsed))

# --- the map
best = st.session_state.get("cov_best")
best_gdf = (gpd.GeoDataFrame({"name": best["names"]}, geometry=gpd.points_from_xy(best["lon"], best["lat"]),
                             crs=STORAGE_CRS) if best else None)
service_types = list(dict.fromkeys(chosen_types + [cand_type]))
# The base map (context layers, legend) is the same on every rerun, so st_folium keeps the
# drawn map, and the planner's zoom and pan, and only swaps the analysis overlays.
base_map, layer_control = build_coverage_base_map(
    {n: layers[n] for n in ("boundary", "roads") if n in layers}, manifest,
    service_types=service_types, lang=lang, basemap=basemap)
overlays = coverage_overlays(residential=result, service_areas=areas, uncovered=gaps,
                             facilities=existing, candidates=cand_gdf, best_sites=best_gdf,
                             service_types=service_types, lang=lang, basemap=basemap)
# returned_objects=["last_clicked"]: a click reruns the page; panning and zooming do not.
st_folium(base_map, height=600, use_container_width=True, returned_objects=["last_clicked"],
          feature_group_to_add=overlays, layer_control=layer_control, key=map_key)

st.markdown(f"**{t('cov_candidates', lang)}**")
if cands:
    st.dataframe(cand_gdf.assign(lon=[c["lon"] for c in cands], lat=[c["lat"] for c in cands])[
        ["name", "type", "lon", "lat"]].rename(columns=lambda c: field_label(c, lang)),
        hide_index=True, width="stretch")
    if st.button(t("cov_clear_candidates", lang), key="cov_clear"):
        st.session_state["cov_candidates"] = []
        st.rerun()
else:
    st.caption(t("cov_no_candidates", lang))

# --- per 居委 table and downloads
st.subheader(t("cov_table", lang))
cols = ["id", "name", "population", "covered", "covered_share", "covered_pop", "nearest_m"]
cols += ["walk_min", "snap_m"] if method == "network" else []
table = result[cols].copy()
table["covered_share"] = table["covered_share"].round(4)
for c in ("covered_pop", "nearest_m", "snap_m"):
    if c in table:
        table[c] = table[c].round(1)
if "walk_min" in table:
    table["walk_min"] = table["walk_min"].round(1)
table.insert(3, "population_estimated", result["population_estimated"])
shown = table.rename(columns=lambda c: field_label(c, lang))
st.dataframe(shown, hide_index=True, width="stretch")
d1, d2, d3 = st.columns(3)
d1.download_button(t("cov_download_csv", lang), table.to_csv(index=False).encode("utf-8-sig"),
                   file_name="songnan_coverage.csv", mime="text/csv", key="cov_dl_csv")
xlsx = io.BytesIO()
table.to_excel(xlsx, index=False, engine="openpyxl")
d2.download_button(t("cov_download_xlsx", lang), xlsx.getvalue(), file_name="songnan_coverage.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="cov_dl_xlsx")
geo = gpd.GeoDataFrame(table, geometry=result.geometry.values, crs=result.crs).to_crs(STORAGE_CRS)
d3.download_button(t("cov_download_geojson", lang), geo.to_json(drop_id=True, ensure_ascii=False),
                   file_name="songnan_coverage.geojson", mime="application/geo+json", key="cov_dl_geojson")

if ftype == ALL:
    st.subheader(t("cov_type_table", lang))
    rows = []
    for x in chosen_types:
        part = with_cands[with_cands["type"] == x]
        s = coverage_summary(coverage_by_area(residential, part, radius, method=method,
                                              network=network), "population")
        rows.append({field_label("type", lang): x, field_label("radius_m", lang): radius[x],
                     t("cov_share_metric", lang): f"{s['share']:.1%}",
                     t("cov_pop_metric", lang): round(s["covered"])})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

with st.expander(t("cov_2sfca", lang)):
    fca = two_step_fca(residential, with_cands, radius, method=method, network=network)
    st.caption(t("cov_2sfca_caption", lang))
    st.dataframe(pd.DataFrame({field_label("name", lang): result["name"],
                               field_label("population", lang): result["population"],
                               field_label("access_per_1000", lang): fca["access_per_1000"].round(3)}),
                 hide_index=True, width="stretch")

# --- best new sites
with st.expander(t("cov_best", lang), expanded=bool(best)):
    b1, b2, b3 = st.columns(3)
    model_kind = b1.radio(t("cov_model", lang), ["mclp", "lscp"], key="cov_model",
                          format_func=lambda m: t(f"cov_{m}", lang))
    k = b2.number_input(t("cov_k", lang), min_value=1, max_value=20, value=3, step=1, key="cov_k",
                        disabled=model_kind != "mclp")
    source = b3.radio(t("cov_cand_source", lang), ["grid", "parcels", "clicked"], key="cov_cand_src",
                      format_func=lambda s: t(f"cov_cand_{s}", lang))
    spacing = st.number_input(t("cov_grid_spacing", lang), min_value=100, max_value=1000, value=250,
                              step=50, key="cov_spacing", disabled=source != "grid")
    st.caption(f"{t('cov_candidate_type', lang)}: {markdown_text(cand_type)} · {radius[cand_type]:g} m")
    if st.button(t("cov_solve", lang), key="cov_solve", type="primary"):
        if source == "grid":
            sites = grid_candidates(layers["boundary"], spacing_m=float(spacing))
        elif source == "parcels":
            sites = layers["parcels"].assign(geometry=layers["parcels"].representative_point())
        else:
            sites = cand_gdf
        if len(sites) == 0:
            st.warning(t("cov_no_cands", lang))
        else:
            bar = st.progress(0.0, text=t("cov_step_demand", lang))
            demand = population_grid(residential, cell_m=100, weight="population")
            bar.progress(0.25, text=t("cov_step_matrix", lang))
            kept = facilities[facilities["type"] == cand_type]
            try:
                model = CoverageSiting.from_geodataframes(demand, sites, radius[cand_type], existing=kept,
                                                          method=method, network=network)
                bar.progress(0.5, text=t("cov_step_solve", lang))
                before = model._result("none", []).share
                out = (model.mclp(int(min(k, model.n_candidates))) if model_kind == "mclp"
                       else model.lscp(uncoverable="drop"))
            except SitingError as exc:
                bar.empty()
                st.error(exc.text(lang))
            else:
                bar.progress(1.0, text=t("cov_step_done", lang))
                pts = sites.to_crs(STORAGE_CRS).geometry.iloc[out.chosen].representative_point()
                st.session_state["cov_best"] = {
                    "lon": pts.x.tolist(), "lat": pts.y.tolist(),
                    "names": [f"{t('cov_layer_best', lang)} {i + 1}" for i in range(len(pts))],
                    "before": before, "after": out.share, "n": len(out.chosen),
                    "uncoverable": len(out.uncoverable),
                    "uncoverable_pop": float(demand["weight"].iloc[out.uncoverable].sum())}
                st.rerun()
    if best:
        st.success(t("cov_best_result", lang).format(n=best["n"], before=best["before"],
                                                    after=best["after"]))
        if best["uncoverable"]:
            st.warning(t("cov_best_uncoverable", lang).format(n=best["uncoverable"],
                                                              pop=best["uncoverable_pop"]))
        if st.button(t("cov_best_add", lang), key="cov_best_add"):
            cands.extend({"lon": x, "lat": y} for x, y in zip(best["lon"], best["lat"]))
            st.session_state["cov_best"] = None
            st.rerun()

# --- standards: sources and the planner's own table
with st.expander(t("cov_standard_rows", lang)):
    rows = standards[standards["standard"] == std_id][
        ["facility_type", "tier_min", "radius_m", "source", "certain"]]
    st.dataframe(rows.rename(columns=lambda c: field_label(c, lang)), hide_index=True, width="stretch")
with st.expander(t("cov_custom", lang)):
    st.caption(t("cov_custom_caption", lang))
    edited = st.data_editor(sd.custom_template(standards)[
        ["facility_type", "tier_min", "radius_m", "source", "certain", "note"]],
        num_rows="dynamic", hide_index=True, key="cov_custom_editor", width="stretch")
    if st.button(t("cov_custom_save", lang), key="cov_custom_save"):
        try:
            path = sd.save_custom_standards(edited)
        except (sd.StandardsError, TypeError) as exc:
            st.error(exc.text(lang) if isinstance(exc, sd.StandardsError) else str(exc))
        else:
            st.success(t("cov_custom_saved", lang).format(path=path))
