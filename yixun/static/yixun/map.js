/* The on-duty map: markers from the page's JSON; tiles from the configured server, if any. The
   markers are drawn again whenever the JSON is replaced (a pushed change of who is on duty). */
(function () {
  "use strict";
  var element = document.getElementById("duty-map");
  if (!element || !window.L) return;
  var map = L.map(element);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: element.getAttribute("data-attribution") }).addTo(map);
  var layer = L.layerGroup().addTo(map);
  var first = true;
  function draw() {
    var markers = JSON.parse(document.getElementById("duty-markers").textContent);
    layer.clearLayers();
    var points = markers.map(function (m) {
      var label = document.createElement("span");
      label.textContent = m.label; // names are people's input: text, never HTML
      L.circleMarker([m.lat, m.lon], { radius: 8, color: "#c8102e" }).addTo(layer).bindPopup(label);
      return [m.lat, m.lon];
    });
    if (first && points.length) map.fitBounds(points, { maxZoom: 16, padding: [24, 24] });
    else if (first) map.setView(JSON.parse(document.getElementById("duty-centre").textContent), 11);
    first = false;
  }
  draw();
  document.body.addEventListener("htmx:afterSettle", function () { draw(); });
})();
