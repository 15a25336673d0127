/* The report page's pin: tap the map, or use the phone's position; either fills the form's
   latitude and longitude (WGS-84; converted from GCJ-02 when the tiles are a Chinese map's). */
(function () {
  "use strict";
  var lat = document.querySelector("input[name=latitude]");
  var lon = document.querySelector("input[name=longitude]");
  var note = document.querySelector("[data-located]");
  var element = document.getElementById("tip-map");
  var pin = null;
  var map = null;
  function place(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    note.textContent = "✓ " + lat.value + ", " + lon.value;
    if (map) {
      if (pin) pin.setLatLng([latitude, longitude]);
      else pin = L.marker([latitude, longitude]).addTo(map);
    }
  }
  if (element && window.L) {
    map = L.map(element).setView(JSON.parse(document.getElementById("tip-centre").textContent), 12);
    var tiles = element.getAttribute("data-tiles");
    if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: element.getAttribute("data-attribution") }).addTo(map);
    map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng); });
  }
  document.querySelector("[data-locate]").addEventListener("click", function () {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (p) {
      place(p.coords.latitude, p.coords.longitude);
      if (map) map.setView([p.coords.latitude, p.coords.longitude], 16);
    });
  });
})();
