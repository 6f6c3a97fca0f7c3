"""The 15-minute life circle: walking network, standards, coverage, 2SFCA access, siting.

``network`` (walking distances on the road layer), ``standards`` (service radii and targets),
``coverage`` (who is within reach), ``access2sfca`` (two-step floating catchment), ``siting``
(MCLP/LSCP with spopt and CBC).

May import: ``songnan_geo.text``, ``songnan_geo.coords``, ``songnan_geo.layers``, ``songnan_geo.plan.quotes``.
Never ``store``, ``briefing``, ``maps``, ``reports``, ``cli`` or streamlit.
"""
