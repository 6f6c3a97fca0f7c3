"""The 15-minute life circle: walking network, standards, coverage, 2SFCA access, siting.

``network`` (walking distances on the road layer), ``walk_search`` (its per-group searches, in
forked processes on large graphs), ``standards`` (service radii and targets),
``population`` (residents where they live), ``coverage`` (who is within reach), ``access2sfca``
(two-step floating catchment), ``siting`` (MCLP/LSCP and capacitated MCLP with spopt and CBC),
``scenario`` (what the coverage page and commands ask: the standard's per-type indicators, the
basket, per-居委 status, targets), ``recommend`` (new sites with their gain, and supply per 1,000
residents, for a scenario's result).

May import: ``songnan_geo.text``, ``songnan_geo.coords``, ``songnan_geo.layers``, ``songnan_geo.plan.quotes``,
``songnan_geo.config``.
Never ``store``, ``briefing``, ``maps``, ``reports``, ``cli`` or streamlit.
"""
