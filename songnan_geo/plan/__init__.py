"""The plan's rules, without I/O: plans as data, quotes, zones, status workflows, indicators,
carrier parks and the final evaluation.

``registry`` (plans as folders: period, targets, deadlines), ``items`` (a plan's own new parcels
and projects), ``quotes`` (every quoted number is in the plan text), ``zones`` (一心三线
membership), ``workflow`` (parcel and project status steps), ``indicators`` (Table 6 targets and
status), ``carriers`` (parks per belt against the plan's figures), ``evaluation`` (终期评估 as
data).

May import: ``songnan_geo.text``, ``songnan_geo.coords``, ``songnan_geo.layers``, ``songnan_geo.clock``.
Never ``store``, ``briefing``, ``maps``, ``reports``, ``cli`` or streamlit.
"""
