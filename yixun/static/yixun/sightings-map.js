/* An urgent alert's sightings: the alert's circle, and a pin for each sighting from the page's
   JSON, with its time and words. The pins are drawn again whenever the JSON is replaced (a
   sighting pushed in while the page is open); the view is fitted once, so that a liaison who
   has zoomed in is not thrown out by each new pin. */
(function () {
  "use strict";
  var element = document.getElementById("sightings-map");
  if (!element || !window.L) return;
  var map = L.map(element);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: element.getAttribute("data-attribution") }).addTo(map);
  var circle = JSON.parse(document.getElementById("sightings-circle").textContent);
  if (circle) {
    L.circle(circle.centre, { radius: circle.metres, color: "#c8102e", weight: 2, fillOpacity: 0.06, interactive: false }).addTo(map);
  }
  var layer = L.layerGroup().addTo(map);
  var first = true;
  var seen = 0;
  function popup(m) {
    // What the public wrote is text, never HTML.
    var box = document.createElement("div");
    var when = document.createElement("strong");
    when.textContent = m.time + (m.place ? " · " + m.place : "");
    var what = document.createElement("p");
    what.textContent = m.text;
    box.appendChild(when);
    box.appendChild(what);
    return box;
  }
  function draw() {
    var source = document.getElementById("sightings-markers");
    if (!source) return;
    var markers = JSON.parse(source.textContent);
    layer.clearLayers();
    var points = markers.map(function (m, index) {
      // The newest first in the list: it is drawn on top, and larger.
      var pin = L.circleMarker([m.lat, m.lon], {
        radius: index === 0 ? 11 : 8, color: "#1a4fa0", weight: 3, fillColor: "#ffd400", fillOpacity: 0.9
      }).addTo(layer).bindPopup(popup(m));
      pin.bindTooltip(m.time, { permanent: true, direction: "top", offset: [0, -8] });
      return [m.lat, m.lon];
    });
    if (first) {
      var bounds = circle ? L.latLng(circle.centre).toBounds(circle.metres * 2) : null;
      points.forEach(function (p) { bounds = bounds ? bounds.extend(p) : L.latLngBounds([p, p]); });
      if (bounds) map.fitBounds(bounds, { maxZoom: 16, padding: [24, 24] });
      else map.setView(JSON.parse(document.getElementById("sightings-centre").textContent), 12);
    } else if (markers.length > seen && points.length) {
      var all = map.getBounds();
      if (!all.contains(points[0])) map.panTo(points[0]);  // a new pin out of sight: go to it
    }
    seen = markers.length;
    first = false;
  }
  draw();
  document.body.addEventListener("htmx:afterSettle", function () { draw(); });
})();
