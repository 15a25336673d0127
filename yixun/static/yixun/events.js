/* The event form: the place's point picked on a map (tap it; the latitude and longitude fields
   stay the truth, in WGS-84, and typing them moves the pin), and the door staff's list filtered
   as a name is typed. The page works without this script. */
(function () {
  "use strict";
  var filter = document.querySelector("[data-pick-filter]");
  if (filter) {
    var options = document.querySelectorAll("[data-pick-list] li");
    filter.hidden = false;
    filter.addEventListener("input", function () {
      var words = filter.value.trim().toLowerCase();
      options.forEach(function (li) {
        var ticked = li.querySelector("input").checked;
        li.hidden = words !== "" && !ticked && li.textContent.toLowerCase().indexOf(words) < 0;
      });
    });
  }

  var element = document.getElementById("event-map");
  var lat = document.querySelector("input[name=latitude]");
  var lon = document.querySelector("input[name=longitude]");
  if (!element || !window.L || !lat || !lon) return;
  element.hidden = false;
  var gcj = element.getAttribute("data-datum") === "gcj02";
  // GCJ-02, the offset datum of maps published in mainland China (yixun/lib/geo.py; as area-map.js).
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
    return [(dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * PI), (dlon * 180.0) / (A / sqrtMagic * Math.cos(rad) * PI)];
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
  function typed() {
    var a = parseFloat(lat.value), b = parseFloat(lon.value);
    return isFinite(a) && isFinite(b) ? [a, b] : null;
  }
  var start = typed();
  var map = L.map(element).setView(start ? toMap(start) : JSON.parse(document.getElementById("event-centre").textContent), start ? 16 : 12);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: element.getAttribute("data-attribution") }).addTo(map);
  var pin = null;
  function show(p) {
    if (pin) pin.setLatLng(p);
    else pin = L.marker(p).addTo(map);
  }
  if (start) show(toMap(start));
  map.on("click", function (event) {
    var p = fromMap([event.latlng.lat, event.latlng.lng]);
    lat.value = p[0].toFixed(6);
    lon.value = p[1].toFixed(6);
    show([event.latlng.lat, event.latlng.lng]);
  });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      var p = typed();
      if (p) { show(toMap(p)); map.panTo(toMap(p)); }
    });
  });
  var clear = document.querySelector("[data-clear-point]");
  if (clear) {
    clear.hidden = false;
    clear.addEventListener("click", function () {
      lat.value = ""; lon.value = "";
      if (pin) { map.removeLayer(pin); pin = null; }
    });
  }
})();
