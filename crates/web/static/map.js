// The sales points' map: markers from the page's JSON block, tiles when the deployment has
// them. Without JavaScript, tiles or Leaflet the page still lists every point with a geo: link.
(function () {
  "use strict";
  function start() {
    var holder = document.getElementById("map");
    var data = document.getElementById("map-data");
    if (!holder || !data || !window.L) return;
    var config;
    try { config = JSON.parse(data.textContent); } catch (e) { return; }
    var markers = config.markers || [];
    if (markers.length === 0) return;
    holder.textContent = "";
    holder.classList.add("map-live");
    var map = window.L.map(holder, { scrollWheelZoom: false });
    if (config.tiles) {
      window.L.tileLayer(config.tiles, {
        maxZoom: 18,
        attribution: "&copy; OpenStreetMap"
      }).addTo(map);
    }
    var bounds = [];
    markers.forEach(function (m) {
      var marker = window.L.marker([m.lat, m.lon], { title: m.name, alt: m.name }).addTo(map);
      var label = document.createElement(m.href ? "a" : "span");
      label.textContent = m.name;
      if (m.href) label.href = m.href;
      marker.bindPopup(label);
      bounds.push([m.lat, m.lon]);
    });
    if (bounds.length === 1) map.setView(bounds[0], 15); else map.fitBounds(bounds, { padding: [24, 24] });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
