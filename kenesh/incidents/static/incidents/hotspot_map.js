// Hot spot map: fetches the GeoJSON of the page's data-url (same origin, session cookie) and
// draws unit boundaries and grid cells coloured by Gi* class on a plain background (no tiles),
// with the deployment's basemap (data-basemap-url: settlements, roads, outlines) for
// orientation. Texts come from the server in the page's language (plurals included).
(function () {
  "use strict";
  var COLOURS = {
    "3": "#b2182b", "2": "#ef8a62", "1": "#fddbc7", "0": "#f7f7f7",
    "-1": "#d1e5f0", "-2": "#67a9cf", "-3": "#2166ac"
  };
  // A cell smaller than this on screen is hard to see and to tap: significant cells then get a
  // circle of this diameter on their centre, until the user zooms in far enough.
  var MIN_CELL_PX = 16;

  function popupContent(properties) {
    var box = document.createElement("div");
    box.className = "hotspot-popup";
    var first = document.createElement("strong");
    first.textContent = properties.count_text;
    box.appendChild(first);
    var second = document.createElement("div");
    var label = properties.label;
    if (properties.gi_z !== null && properties.gi_z !== undefined) {
      var z = Number(properties.gi_z);
      var lang = document.documentElement.lang || undefined;
      var text;
      try {
        text = z.toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      } catch (error) {
        text = z.toFixed(2);
      }
      label += " (Gi* z = " + text + ")";
    }
    second.textContent = label;
    box.appendChild(second);
    var third = document.createElement("div");
    third.className = "small text-body-secondary mt-1";
    third.textContent = properties.reading;
    box.appendChild(third);
    return box;
  }

  function cellStyle(feature) {
    var p = feature.properties;
    if (p.kind === "unit") {
      return { color: "#343a40", weight: 2, fill: false };
    }
    var significant = p["class"] !== 0;
    // Significant cells keep a dark outline, visible at any zoom.
    return {
      color: significant ? "#212529" : "#6c757d",
      weight: significant ? 1.5 : 0.5,
      fillColor: COLOURS[String(p["class"])] || COLOURS["0"],
      fillOpacity: 0.75
    };
  }

  function cellPixels(map, cells) {
    if (!cells.length) { return 0; }
    var ring = cells[0].geometry.coordinates[0];
    var a = map.latLngToContainerPoint([ring[0][1], ring[0][0]]);
    var b = map.latLngToContainerPoint([ring[2][1], ring[2][0]]);
    return Math.min(Math.abs(b.x - a.x), Math.abs(b.y - a.y));
  }

  function centreOf(feature) {
    var ring = feature.geometry.coordinates[0];
    return [(ring[0][1] + ring[2][1]) / 2, (ring[0][0] + ring[2][0]) / 2];
  }

  // The significant cells grouped into areas (cells of one sign touching at an edge or a
  // corner, as Gi*'s neighbourhood does); of each area, the cell with the most incidents (then
  // the highest class, then the largest |z|).
  function areaLeaders(significant) {
    var byKey = {};
    significant.forEach(function (f) { byKey[f.properties.row + ":" + f.properties.col] = f; });
    var seen = {};
    var leaders = [];
    function strength(f) {
      var p = f.properties;
      return [p.count === null ? 2.5 : p.count, Math.abs(p["class"]), Math.abs(p.gi_z || 0)];
    }
    function stronger(a, b) {
      var x = strength(a), y = strength(b);
      for (var i = 0; i < x.length; i++) { if (x[i] !== y[i]) { return x[i] > y[i]; } }
      return false;
    }
    significant.forEach(function (start) {
      var key = start.properties.row + ":" + start.properties.col;
      if (seen[key]) { return; }
      var sign = start.properties["class"] > 0;
      var stack = [start];
      var best = start;
      seen[key] = true;
      while (stack.length) {
        var f = stack.pop();
        if (stronger(f, best)) { best = f; }
        for (var dr = -1; dr <= 1; dr++) {
          for (var dc = -1; dc <= 1; dc++) {
            var next = byKey[(f.properties.row + dr) + ":" + (f.properties.col + dc)];
            var nextKey = (f.properties.row + dr) + ":" + (f.properties.col + dc);
            if (next && !seen[nextKey] && (next.properties["class"] > 0) === sign) {
              seen[nextKey] = true;
              stack.push(next);
            }
          }
        }
      }
      leaders.push(best);
    });
    return leaders;
  }

  function drawBasemap(map, element, collection) {
    var synthetic = false;
    var layer = L.geoJSON(collection, {
      pane: "basemap",
      interactive: false,
      style: function (feature) {
        var kind = feature.properties.kind;
        if (kind === "road") { return { color: "#5c5f66", weight: 2, opacity: 0.9 }; }
        if (kind === "water") { return { color: "#4a90c2", weight: 1.5, fillOpacity: 0.2 }; }
        return { color: "#495057", weight: 1, dashArray: "4 3", fill: false };
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          pane: "basemap", radius: 3, color: "#212529", weight: 1, fillColor: "#ffffff",
          fillOpacity: 1, interactive: false
        });
      },
      onEachFeature: function (feature, shape) {
        if (feature.properties.synthetic) { synthetic = true; }
        var kind = feature.properties.kind;
        if (kind === "settlement" || kind === "landmark") {
          shape.bindTooltip(feature.properties.name, {
            permanent: true, direction: "right", offset: [4, 0], className: "basemap-label",
            pane: "basemapLabels"
          });
        }
      }
    }).addTo(map);
    var credits = (collection.layers || []).map(function (item) {
      return item.source || item.title;
    }).filter(Boolean);
    if (credits.length) {
      L.control.attribution({ prefix: false }).addAttribution(credits.join(" · ")).addTo(map);
    }
    if (synthetic) {
      var Badge = L.Control.extend({
        onAdd: function () {
          var box = L.DomUtil.create("div", "basemap-synthetic");
          box.textContent = element.dataset.labelSynthetic || "synthetic";
          box.setAttribute("data-testid", "basemap-synthetic");
          return box;
        }
      });
      new Badge({ position: "topright" }).addTo(map);
    }
    element.dataset.basemapFeatures = String(layer.getLayers().length);
    element.classList.add("basemap-drawn");
  }

  function draw(element, collection) {
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
    // Panes above the cells: the basemap (never in a tap's way), the circles on significant
    // cells, the names. The panes let taps through; only the circles' own paths take them.
    [["basemap", 450], ["spots", 460], ["basemapLabels", 470]].forEach(function (pane) {
      var created = map.createPane(pane[0]);
      created.style.zIndex = pane[1];
      created.style.pointerEvents = "none";
    });
    // Popups fit the map on a phone: content at most the map's width less the popup's frame.
    function popupOptions() {
      return { maxWidth: Math.max(160, Math.min(260, map.getSize().x - 90)), autoPanPadding: [8, 8] };
    }
    var layer = L.geoJSON(collection, {
      style: cellStyle,
      onEachFeature: function (feature, shape) {
        if (feature.properties.kind === "cell") {
          shape.bindPopup(popupContent(feature.properties), popupOptions());
        }
      }
    }).addTo(map);
    layer.eachLayer(function (shape) {
      if (shape.feature.properties.kind === "cell") { shape.bringToFront(); }
    });
    var cells = collection.features.filter(function (f) { return f.properties.kind === "cell"; });
    var significant = cells.filter(function (f) { return f.properties["class"] !== 0; });
    // One circle per hot (or cold) area, on its strongest cell, shown while the cells
    // themselves are too small to see and tap; one per cell would bury the map in circles.
    var spots = L.layerGroup(areaLeaders(significant).map(function (feature) {
      var marker = L.circleMarker(centreOf(feature), {
        pane: "spots", radius: MIN_CELL_PX / 2, color: "#212529", weight: 2,
        fillColor: COLOURS[String(feature.properties["class"])], fillOpacity: 0.9,
        className: "hotspot-spot"
      });
      marker.bindPopup(popupContent(feature.properties), popupOptions());
      return marker;
    }));
    function update() {
      var size = cellPixels(map, cells);
      element.dataset.cellPx = size.toFixed(1);
      var small = size < MIN_CELL_PX;
      if (small && !map.hasLayer(spots)) { spots.addTo(map); }
      if (!small && map.hasLayer(spots)) { map.removeLayer(spots); }
      element.dataset.spots = small ? String(spots.getLayers().length) : "0";
    }
    // The user's municipality as a whole on first load: its outline and every cell.
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8] }); }
    map.on("zoomend", update);
    update();
    L.control.scale({ imperial: false }).addTo(map);
    element.dataset.cells = String(cells.length);
    element.dataset.units = String(collection.features.length - cells.length);
    element.classList.add("is-drawn");
    return map;
  }

  // A failure is told in the page's language (messages in the map's data- attributes), never
  // as the raw status or script error; the table below the map still lists the cells.
  function fail(element, status) {
    var message = (status === 401 || status === 403) ? element.dataset.messageLogin : "";
    element.textContent = message || element.dataset.messageFailed || "";
    element.classList.add("text-danger", "p-2", "is-failed");
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  }

  function start() {
    var element = document.getElementById("hotspot-map");
    if (!element) { return; }
    if (typeof L === "undefined") { fail(element, 0); return; }
    // Both requests at once; the basemap is orientation only: without it the map still draws.
    var basemap = element.dataset.basemapUrl
      ? getJson(element.dataset.basemapUrl)
        .then(function (response) { return response.ok ? response.json() : null; })
        .catch(function () { return null; })
      : Promise.resolve(null);
    getJson(element.dataset.url)
      .then(function (response) {
        if (!response.ok) { fail(element, response.status); return null; }
        return response.json();
      })
      .then(function (collection) {
        if (!collection) { return; }
        var map = draw(element, collection);
        basemap.then(function (layers) {
          if (layers && layers.features && layers.features.length) {
            drawBasemap(map, element, layers);
          }
        });
      })
      .catch(function () { fail(element, 0); });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
