"""The basemap: a deployment's own orientation layers (settlements, roads, outlines) under maps.

No real outlines or settlement coordinates ship with the national classifier, so a deployment
loads its own (from the national mapping agency or an OpenStreetMap extract) with
``kenesh load-basemap FILE.geojson`` (docs/basemap.md). Maps draw them from the project's own
API, offline, with no tile server.
"""
