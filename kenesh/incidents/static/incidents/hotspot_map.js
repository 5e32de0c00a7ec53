// Hot spot map: fetches the GeoJSON of the page's data-url (same origin, session cookie) and
// draws unit boundaries and grid cells coloured by Gi* class on a plain background (no tiles).
(function () {
  "use strict";
  var COLOURS = {
    "3": "#b2182b", "2": "#ef8a62", "1": "#fddbc7", "0": "#f7f7f7",
    "-1": "#d1e5f0", "-2": "#67a9cf", "-3": "#2166ac"
  };

  function tooltip(properties, incidentsLabel) {
    var box = document.createElement("div");
    var first = document.createElement("strong");
    if (properties.kind === "unit") {
      first.textContent = properties.name;
      box.appendChild(first);
      return box;
    }
    // A withheld count (aggregate-only access, docs/privacy.md) reads "<5", as on the page.
    var count = properties.suppressed ? "<5" : String(properties.count);
    first.textContent = count + " " + incidentsLabel;
    box.appendChild(first);
    var second = document.createElement("div");
    second.textContent = properties.gi_z === null || properties.gi_z === undefined
      ? properties.label
      : properties.label + " (z = " + Number(properties.gi_z).toFixed(2) + ")";
    box.appendChild(second);
    return box;
  }

  function style(feature) {
    var p = feature.properties;
    if (p.kind === "unit") {
      return { color: "#343a40", weight: 2, fill: false };
    }
    return {
      color: "#6c757d", weight: 0.5, fillColor: COLOURS[String(p["class"])] || COLOURS["0"],
      fillOpacity: 0.85
    };
  }

  function draw(element, collection) {
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
    var incidentsLabel = element.dataset.labelIncidents || "";
    var layer = L.geoJSON(collection, {
      style: style,
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(tooltip(feature.properties, incidentsLabel), { sticky: true });
      }
    }).addTo(map);
    // Cells above the boundaries, so their tooltips win.
    layer.eachLayer(function (shape) {
      if (shape.feature.properties.kind === "cell") { shape.bringToFront(); }
    });
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8] }); }
    L.control.scale({ imperial: false }).addTo(map);
    var cells = collection.features.filter(function (f) { return f.properties.kind === "cell"; });
    element.dataset.cells = String(cells.length);
    element.dataset.units = String(collection.features.length - cells.length);
    element.classList.add("is-drawn");
  }

  // A failure is told in the page's language (messages in the map's data- attributes), never
  // as the raw status or script error; the table below the map still lists the cells.
  function fail(element, status) {
    var message = (status === 401 || status === 403) ? element.dataset.messageLogin : "";
    element.textContent = message || element.dataset.messageFailed || "";
    element.classList.add("text-danger", "p-2", "is-failed");
  }

  function start() {
    var element = document.getElementById("hotspot-map");
    if (!element) { return; }
    if (typeof L === "undefined") { fail(element, 0); return; }
    fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { fail(element, response.status); return null; }
        return response.json();
      })
      .then(function (collection) { if (collection) { draw(element, collection); } })
      .catch(function () { fail(element, 0); });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
