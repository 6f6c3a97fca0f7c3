"""Layers on disk: load and validate, import planners' files, export, the editable copy.

``io`` (manifest, schemas, ``load_layer``/``load_all_layers``, validation collecting every problem),
``importer`` (readers, schema fitting, datum-offset check), ``exporter``, ``layerstore`` (confirmed
imports and undo in the editable data folder) with ``journal`` (its crash-safe write protocol's
files: journal, intent, atomic writes, recovery helpers), ``summary`` (counts and areas); OpenStreetMap
onboarding: ``osm_read`` (the reader), ``osm_build`` (the layer builders), ``osm`` (pipeline, diff,
write).

May import: ``songnan_geo.text``, ``songnan_geo.coords``, ``songnan_geo.config``, ``songnan_geo.clock``;
``songnan_geo.auth`` (the editor check of every write, ``layerstore``);
``songnan_geo.lifecircle`` (``coverage``, ``network``) only inside
``osm.demand_snap_m``. Never ``store``,
``briefing``, ``maps``, ``reports``, ``cli`` or streamlit.
"""
