"""The command line starts at once (issue 16): ``--help`` loads no geopandas, pandas, shapely, folium.

Each command's parser is built from light modules; the heavy ones are imported inside the
command's ``run``. The choices spelled out in the command modules for that reason are checked
here against the package's own tables, so the two cannot drift apart. No timing is asserted
(timings live in benchmarks/); what is asserted is which modules a ``--help`` imports.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import python_child

REPO_ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("geopandas", "pandas", "shapely", "folium", "matplotlib", "sqlalchemy", "pyogrio", "numpy")


def _imported_by(*args: str) -> set[str]:
    """Top-level module names a fresh ``python -X importtime -m songnan_geo ARGS`` imported."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "songnan_geo", *args],
                       cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "usage:" in p.stdout
    names = set()
    for line in p.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "songnan_geo" in names, "the run did not import the package at all?"
    return names


@pytest.mark.parametrize("args", [("--help",), ("briefing", "--help"), ("coverage", "--help"),
                                  ("convert", "--help"), ("import", "--help"), ("osm", "--help"),
                                  ("editor", "--help")])
def test_help_imports_no_heavy_module(args):
    heavy = sorted(set(HEAVY) & _imported_by(*args))
    assert not heavy, f"`python -m songnan_geo {' '.join(args)}` imported {heavy}"


@pytest.mark.slow   # a child Python process
def test_import_package_is_light_and_public_names_still_work():
    code = ("import sys, songnan_geo; assert 'geopandas' not in sys.modules, 'eager geopandas'; "
            "from songnan_geo import TOWN_CRS, load_layer; assert 'geopandas' in sys.modules; "
            "print(TOWN_CRS.to_proj4() is not None, callable(load_layer))")
    p = python_child(code)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["True", "True"]


def test_unknown_public_name_is_an_attribute_error():
    import songnan_geo

    with pytest.raises(AttributeError, match="no_such_name"):
        songnan_geo.no_such_name  # noqa: B018


def test_spelled_out_choices_match_the_package():
    from songnan_geo.briefing import facts, render
    from songnan_geo.cli import briefing as cli_briefing, coverage as cli_coverage, osm as cli_osm
    from songnan_geo.layers import osm
    from songnan_geo.lifecircle import coverage, network, scenario
    from songnan_geo.maps.basemaps import BASEMAPS

    assert set(cli_briefing.FORMAT_CHOICES) == set(render.FORMATS)
    assert list(cli_briefing.KIND_CHOICES) == list(facts.SITE_LAYERS)
    assert list(cli_briefing.BASEMAP_CHOICES) == list(BASEMAPS)
    assert cli_briefing.CONTACT_ENV == facts.CONTACT_ENV
    assert tuple(cli_coverage.METHOD_CHOICES) == tuple(scenario.METHODS)
    assert tuple(cli_coverage.BASIS_CHOICES) == tuple(scenario.BASES)
    assert set(coverage.METHODS) <= set(scenario.METHODS)
    assert cli_coverage.DEFAULT_WALK_SPEED_KMH == network.DEFAULT_WALK_SPEED_KMH
    assert tuple(cli_osm.LAYER_CHOICES) == tuple(osm.LAYERS)
    from songnan_geo.cli import evaluate as cli_evaluate, lifecircle_report as cli_lcr  # noqa: PLC0415
    from songnan_geo.plan import registry  # noqa: PLC0415
    from songnan_geo.reports import evaluation, lifecircle  # noqa: PLC0415
    assert tuple(cli_evaluate.FORMAT_CHOICES) == tuple(evaluation.FORMATS)
    assert cli_evaluate.DEFAULT_PLAN_ID == registry.DEFAULT_PLAN_ID
    assert tuple(cli_lcr.FORMAT_CHOICES) == tuple(lifecircle.FORMATS)
    assert tuple(cli_lcr.METHOD_CHOICES) == tuple(scenario.METHODS)
    assert tuple(cli_lcr.BASIS_CHOICES) == tuple(scenario.BASES)
    assert (cli_osm.DEFAULT_MARGIN_M, cli_osm.DEFAULT_MOVED_M) == (osm.DEFAULT_MARGIN_M, osm.DEFAULT_MOVED_M)
    assert cli_osm.POI_TYPES_CSV.resolve() == osm.POI_TYPES_CSV.resolve()


def test_data_dir_has_one_definition():
    from songnan_geo import config
    from songnan_geo.layers import io

    assert io.DEFAULT_DATA_DIR == config.DEFAULT_DATA_DIR
    assert (config.DEFAULT_DATA_DIR / "manifest.json").is_file()


def test_outputs_are_refused_inside_the_repository(tmp_path, capsys):
    """coverage and convert never write into the project's folder (README's example used to)."""
    from songnan_geo import config
    from songnan_geo.cli import main

    data = config.DEFAULT_DATA_DIR
    inside = REPO_ROOT / "coverage_out.geojson"
    rc = main(["coverage", "--facilities", str(data / "facilities.geojson"), "--demand",
               str(data / "residential.geojson"), "--radius-m", "500", "--out", str(inside)])
    assert rc == 2 and "inside the project's folder" in capsys.readouterr().err
    assert not inside.exists()
    rc = main(["convert", "--from", "wgs84", "--to", "gcj02", str(data / "zones.geojson"), str(inside)])
    assert rc == 2 and "inside the project's folder" in capsys.readouterr().err
    assert not inside.exists()
    assert config.is_inside_repository(REPO_ROOT / "x" / "y.csv")
    assert not config.is_inside_repository(tmp_path / "y.csv")
