/* The bulletin form's area concerned, drawn on a map: a circle (tap for its centre, drag the
   pin to move it, the radius from its number field) or a polygon (tap each corner). The form's
   fields stay the truth, in WGS-84 as CAP has it: the map writes them and follows them, so
   typing the numbers works as well as tapping, and the page works without this script. The
   shape not chosen is disabled, so what is sent is what the map shows. The CAP fieldset is
   hidden for advice and notices, which carry no CAP. */
(function () {
  "use strict";
  var fieldset = document.querySelector("[data-cap]");
  var block = document.querySelector("[data-area-map]");
  var element = document.getElementById("area-map");
  if (!fieldset || !block || !element || !window.L) return;
  var lat = document.querySelector("input[name=circle_latitude]");
  var lon = document.querySelector("input[name=circle_longitude]");
  var radius = document.querySelector("input[name=circle_radius_km]");
  var polygon = document.querySelector("input[name=polygon]");
  var circleFields = document.querySelector("[data-circle-fields]");
  var count = block.querySelector("[data-corners]");
  var undo = block.querySelector("[data-undo]");
  var MOST_CORNERS = 100;
  var gcj = element.getAttribute("data-datum") === "gcj02";

  // GCJ-02, the offset datum of maps published in mainland China (yixun/lib/geo.py, ported):
  // the form stores WGS-84, the tiles of such a provider are drawn in GCJ-02.
  function outsideChina(p) { return !(p[0] >= 0.8293 && p[0] <= 55.8271 && p[1] >= 72.004 && p[1] <= 137.8347); }
  function offset(p) {
    var x = p[1] - 105.0, y = p[0] - 35.0, PI = Math.PI, A = 6378245.0, EE = 0.006693421622965943;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) +
      (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0 +
      (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0 +
      (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) +
      (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0 +
      (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0 +
      (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var rad = p[0] * PI / 180, magic = 1 - EE * Math.pow(Math.sin(rad), 2), sqrtMagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * PI);
    dlon = (dlon * 180.0) / (A / sqrtMagic * Math.cos(rad) * PI);
    return [dlat, dlon];
  }
  function toMap(p) {
    if (!gcj || outsideChina(p)) return p;
    var d = offset(p);
    return [p[0] + d[0], p[1] + d[1]];
  }
  function fromMap(p) {
    if (!gcj || outsideChina(p)) return p;
    var guess = p;
    for (var i = 0; i < 10; i++) {
      var there = toMap(guess);
      guess = [guess[0] + p[0] - there[0], guess[1] + p[1] - there[1]];
    }
    return guess;
  }
  function rounded(p) { return [Number(p[0].toFixed(6)), Number(p[1].toFixed(6))]; }
  function number(input) {
    var value = parseFloat(input.value);
    return isFinite(value) ? value : null;
  }

  // The polygon's corners, WGS-84, open (the hidden field holds them closed once there are 3).
  var corners = [];
  try {
    var stored = polygon.value ? JSON.parse(polygon.value) : [];
    if (Array.isArray(stored)) corners = stored.filter(function (p) { return Array.isArray(p) && p.length === 2; });
  } catch (error) { corners = []; }
  if (corners.length > 3 && corners[0][0] === corners[corners.length - 1][0] && corners[0][1] === corners[corners.length - 1][1]) corners.pop();
  var shape = corners.length ? "polygon" : "circle";

  var map = null;
  var drawn = null;  // the layer of the shape on show

  function centre() {
    var a = number(lat), b = number(lon);
    return a === null || b === null ? null : [a, b];
  }
  function writeCorners() {
    if (!corners.length) polygon.value = "";
    else polygon.value = JSON.stringify(corners.length >= 3 ? corners.concat([corners[0]]) : corners);
    count.textContent = count.getAttribute("data-template").replace("%s", corners.length);
    undo.disabled = !corners.length;
  }
  function draw() {
    if (!map) return;
    if (drawn) drawn.remove();
    drawn = L.layerGroup().addTo(map);
    if (shape === "circle") {
      var c = centre();
      if (!c) return;
      var km = number(radius);
      var circle = km && km > 0 ? L.circle(toMap(c), { radius: km * 1000, color: "#c8102e", weight: 2, fillOpacity: 0.08, interactive: false }).addTo(drawn) : null;
      var pin = L.marker(toMap(c), { draggable: true, autoPan: true }).addTo(drawn);
      pin.on("drag dragend", function () {
        var p = rounded(fromMap([pin.getLatLng().lat, pin.getLatLng().lng]));
        lat.value = p[0];
        lon.value = p[1];
        if (circle) circle.setLatLng(pin.getLatLng());
      });
      return;
    }
    var points = corners.map(toMap);
    if (points.length >= 3) L.polygon(points, { color: "#c8102e", weight: 2, fillOpacity: 0.08, interactive: false }).addTo(drawn);
    else if (points.length === 2) L.polyline(points, { color: "#c8102e", weight: 2, interactive: false }).addTo(drawn);
    points.forEach(function (p) {
      L.circleMarker(p, { radius: 6, color: "#c8102e", weight: 2, fillColor: "#fff", fillOpacity: 1, interactive: false }).addTo(drawn);
    });
  }
  function frame() {
    // Open on the shape there is, else on the association's sites.
    var bounds = null;
    var c = centre();
    if (shape === "circle" && c) bounds = L.latLng(toMap(c)).toBounds(Math.max(number(radius) || 0.5, 0.2) * 2000);
    if (shape === "polygon" && corners.length) bounds = L.latLngBounds(corners.map(toMap));
    if (bounds) map.fitBounds(bounds, { maxZoom: 16, padding: [16, 16] });
    else map.setView(JSON.parse(document.getElementById("area-centre").textContent), 12);
  }
  function choose(next) {
    shape = next;
    // The shape not chosen is not sent (disabled), and is kept for a switch back.
    [lat, lon, radius].forEach(function (input) { input.disabled = shape !== "circle"; });
    circleFields.hidden = shape !== "circle";
    polygon.disabled = shape !== "polygon";
    block.querySelectorAll("[data-shape-hint]").forEach(function (hint) {
      hint.hidden = hint.getAttribute("data-shape-hint") !== shape;
    });
    undo.style.display = shape === "polygon" ? "" : "none";  // button.link's display beats [hidden]
    count.hidden = shape !== "polygon";
    draw();
  }
  function tap(event) {
    var p = rounded(fromMap([event.latlng.lat, event.latlng.lng]));
    if (shape === "circle") {
      lat.value = p[0];
      lon.value = p[1];
      if (!number(radius)) radius.value = "1";  // a circle to see at once; the writer sets it
    } else {
      if (corners.length >= MOST_CORNERS) return;
      var last = corners[corners.length - 1];
      if (last && last[0] === p[0] && last[1] === p[1]) return;  // a double tap
      corners.push(p);
      writeCorners();
    }
    draw();
  }
  function start() {
    if (map) { map.invalidateSize(); return; }
    map = L.map(element);
    var tiles = element.getAttribute("data-tiles");
    if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: element.getAttribute("data-attribution") }).addTo(map);
    map.on("click", tap);
    frame();
    draw();
  }

  block.hidden = false;
  block.querySelectorAll("input[name=area_shape]").forEach(function (radio) {
    radio.checked = radio.value === shape;
    radio.addEventListener("change", function () { if (radio.checked) choose(radio.value); });
  });
  block.querySelector("[data-clear]").addEventListener("click", function () {
    if (shape === "circle") { lat.value = ""; lon.value = ""; radius.value = ""; }
    else { corners = []; writeCorners(); }
    draw();
  });
  undo.addEventListener("click", function () { corners.pop(); writeCorners(); draw(); });
  [lat, lon, radius].forEach(function (input) {
    input.addEventListener("input", function () {
      draw();
      var c = centre();
      if (map && c && !map.getBounds().contains(toMap(c))) map.panTo(toMap(c));
    });
  });
  writeCorners();
  choose(shape);

  // Advice and notices carry no CAP: their fieldset is hidden, and disabled so none is sent.
  // When and where a missing person was last seen is an urgent alert's alone.
  var lastSeen = document.querySelector("[data-last-seen]");
  function showCap() {
    var kind = document.querySelector("input[name=kind]:checked");
    var none = kind && (kind.value === "advice" || kind.value === "notice");
    fieldset.hidden = fieldset.disabled = Boolean(none);
    if (lastSeen) lastSeen.hidden = lastSeen.disabled = !(kind && kind.value === "urgent");
    if (!none) start();
  }
  document.querySelectorAll("input[name=kind]").forEach(function (radio) {
    radio.addEventListener("change", showCap);
  });
  showCap();
})();
