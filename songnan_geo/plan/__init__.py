"""The plan's rules, without I/O: quotes, zones, status workflows, indicators, carrier parks.

``quotes`` (every quoted number is in the plan text), ``zones`` (一心三线 membership), ``workflow``
(parcel and project status steps), ``indicators`` (Table 6 targets and status), ``carriers``
(parks per belt against the plan's figures).

May import: ``songnan_geo.text``, ``songnan_geo.coords``, ``songnan_geo.layers``. Never ``store``,
``briefing``, ``maps``, ``reports``, ``cli`` or streamlit.
"""
