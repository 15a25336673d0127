/* The public map of the areas the squads patrol: one marker per area, from the page's JSON; tiles
   from the configured server, if any. Labels are text, never HTML. */
(function () {
  "use strict";
  var element = document.getElementById("area-map");
  var data = document.getElementById("area-markers");
  if (!element || !data || !window.L) return;
  var map = L.map(element, { scrollWheelZoom: false });
  var tiles = element.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 18, attribution: element.getAttribute("data-attribution") }).addTo(map);
  var points = JSON.parse(data.textContent).map(function (m) {
    var label = document.createElement("span");
    label.textContent = m.label;
    L.circleMarker([m.lat, m.lon], { radius: 12, color: "#c8102e", weight: 2, fillOpacity: 0.35 })
      .addTo(map).bindPopup(label)
      // The area's name always in sight: the map must read even where the tiles do not load.
      .bindTooltip(m.name, { permanent: true, direction: "top", offset: [0, -10] });
    return [m.lat, m.lon];
  });
  map.fitBounds(points, { maxZoom: 14, padding: [32, 32] });
})();
