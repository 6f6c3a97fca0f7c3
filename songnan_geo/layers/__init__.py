"""Layers on disk: load and validate, import planners' files, export, the editable copy.

``io`` (manifest, schemas, ``load_layer``/``load_all_layers``, validation collecting every problem),
``importer`` (readers, schema fitting, datum-offset check), ``exporter``, ``layerstore`` (confirmed
imports and undo in the editable data folder), ``summary`` (counts and areas), ``osm``.

May import: ``songnan_geo.text``, ``songnan_geo.coords``, ``songnan_geo.config``. Never ``store``,
``briefing``, ``maps``, ``reports``, ``cli`` or streamlit.
"""
