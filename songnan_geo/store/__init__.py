"""The database: engine, transactions and versions, and the stores built on them.

``db`` (the base every store uses: engine, ``read``/``write``, ``latest_version``, ``now_iso``,
errors), ``schema`` (DDL, seed, create/open, migrations), ``tracker`` (parcels and projects with
history), ``carriers`` (the park register),
``indicators`` (yearly indicator values), ``population``, ``evaluation``.
SQL lives here and nowhere else. The editors and their password hashes are not in the database:
they live in :mod:`songnan_geo.auth` (no SQL; the login-failure counts it keeps go through a store).

May import: ``songnan_geo.text``, ``songnan_geo.coords``, ``songnan_geo.layers``,
``songnan_geo.plan.quotes``, ``songnan_geo.auth``, ``songnan_geo.config``, ``songnan_geo.clock``.
Never ``briefing``, ``maps``, ``reports``, ``cli`` or streamlit.
"""
