// The map page (server/web/pages/map_page.py): draws what GET /map/data answers for the
// page's own filter (the data-source attribute), with Leaflet and its marker clustering
// (vendored), and asks again every data-refresh-ms. The filter itself is the page's
// form: this script only draws. A file of its own, never inline (the
// Content-Security-Policy); markers, popups and labels are built as DOM elements, so no
// text from the inventory is ever read as HTML.
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined" || !L.markerClusterGroup) {
    return;
  }
  var message = document.getElementById("map-message");
  var updated = document.querySelector("#map-updated span");
  var refreshMs = Math.max(1000, parseInt(box.dataset.refreshMs, 10) || 15000);
  var words = {};
  var severity = [];
  var communeNames = {};
  var markers = {}; // device id -> its Leaflet marker, kept across refreshes
  var fitted = false;

  // Half zoom steps: a district fits its box more closely than whole steps allow.
  var map = L.map(box, { minZoom: 5, maxZoom: 18, zoomSnap: 0.5 });
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, {
      attribution: textAsHtml(box.dataset.attribution || ""),
      maxZoom: 19,
    }).addTo(map);
  }
  map.setView([16.0, 106.0], 6); // Vietnam, until the points are known
  // The communes' names sit above their outlines and beneath the markers.
  map.createPane("communeLabels").classList.add("commune-labels");
  var outlines = L.layerGroup().addTo(map);
  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 45,
    iconCreateFunction: clusterIcon,
  });
  map.addLayer(clusters);

  function textAsHtml(text) {
    var holder = document.createElement("span");
    holder.textContent = text;
    return holder.innerHTML;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function statusWord(status) {
    return words[status] || status;
  }

  // The worst status among a group's markers gives the group its colour.
  function clusterIcon(cluster) {
    var worst = severity.length - 1;
    cluster.getAllChildMarkers().forEach(function (marker) {
      var rank = severity.indexOf(marker.device.status);
      if (rank >= 0 && rank < worst) {
        worst = rank;
      }
    });
    var status = severity[worst] || "unknown";
    var count = cluster.getChildCount();
    var circle = element("div", "mk-cluster st-" + status);
    circle.appendChild(element("span", null, String(count)));
    circle.title = count + " " + (words.devices || "") + " · " + statusWord(status);
    return L.divIcon({ html: circle, className: "mk-cluster-icon", iconSize: L.point(42, 42) });
  }

  function markerIcon(device) {
    var shape = element("span", "mk k-" + device.kind + " st-" + device.status);
    shape.appendChild(element("b", null, words["letter." + device.kind] || "?"));
    var wide = device.kind === "nvr";
    return L.divIcon({
      html: shape,
      className: "mk-icon",
      iconSize: L.point(wide ? 32 : 26, 26),
      popupAnchor: L.point(0, -10),
    });
  }

  function titleOf(device) {
    return device.name + " · " + statusWord(device.status);
  }

  function popupFor(marker) {
    var device = marker.device;
    var card = element("div", "map-popup");
    card.appendChild(element("p", "mk-name", device.name));
    function line(label, value, className) {
      var row = element("p");
      row.appendChild(document.createTextNode(label + ": "));
      row.appendChild(element("span", className, value));
      card.appendChild(row);
    }
    line(words.kind, words[device.kind] || device.kind);
    line(words.status, statusWord(device.status), "status " + device.status);
    line(words.since, device.since);
    line(words.commune, communeNames[device.commune] || device.commune);
    var link = element("a", null, words.open);
    link.href = "/devices/" + encodeURIComponent(device.id);
    var row = element("p");
    row.appendChild(link);
    card.appendChild(row);
    return card;
  }

  function drawOutlines(communes) {
    outlines.clearLayers();
    communes.forEach(function (commune) {
      communeNames[commune.code] = commune.name;
      if (commune.outline.length < 3) {
        return;
      }
      // Solid: the boundary the inventory gives; dashed: drawn around the commune's points.
      var shape = L.polygon(commune.outline, {
        color: "#0b4a75",
        weight: 2,
        fillOpacity: 0.05,
        dashArray: commune.drawn === "points" ? "6 6" : null,
        interactive: false,
        className: "commune-outline outline-" + commune.drawn,
      });
      outlines.addLayer(shape);
      // The name at the outline's northern edge, where it hides no marker.
      var bounds = shape.getBounds();
      var label = L.tooltip({
        permanent: true,
        direction: "top",
        offset: L.point(0, -12), // clear of a marker standing on that corner
        className: "commune-label",
        pane: "communeLabels",
      });
      label
        .setLatLng([bounds.getNorth(), bounds.getCenter().lng])
        .setContent(element("span", null, commune.name));
      outlines.addLayer(label);
    });
  }

  function drawMarkers(devices) {
    var seen = {};
    var added = [];
    var changed = [];
    devices.forEach(function (device) {
      seen[device.id] = true;
      var marker = markers[device.id];
      if (!marker) {
        marker = L.marker([device.lat, device.lon], {
          icon: markerIcon(device),
          title: titleOf(device),
          keyboard: true,
        });
        marker.device = device;
        marker.bindPopup(popupFor);
        markers[device.id] = marker;
        added.push(marker);
        return;
      }
      var before = marker.device;
      marker.device = device;
      if (before.lat !== device.lat || before.lon !== device.lon) {
        marker.setLatLng([device.lat, device.lon]);
      }
      if (before.status !== device.status || before.kind !== device.kind) {
        marker.options.title = titleOf(device);
        marker.setIcon(markerIcon(device));
        changed.push(marker);
      }
      if (marker.isPopupOpen()) {
        marker.setPopupContent(popupFor(marker));
      }
    });
    Object.keys(markers).forEach(function (id) {
      if (!seen[id]) {
        clusters.removeLayer(markers[id]);
        delete markers[id];
      }
    });
    clusters.addLayers(added);
    if (changed.length) {
      clusters.refreshClusters(changed);
    }
  }

  function fitOnce(data) {
    if (fitted) {
      return;
    }
    var bounds = L.latLngBounds([]);
    data.markers.forEach(function (device) {
      bounds.extend([device.lat, device.lon]);
    });
    data.communes.forEach(function (commune) {
      commune.outline.forEach(function (corner) {
        bounds.extend(corner);
      });
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [32, 32], maxZoom: 15, animate: false });
      fitted = true;
    }
  }

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function draw(data) {
    words = data.words;
    severity = data.severity;
    drawOutlines(data.communes);
    drawMarkers(data.markers);
    fitOnce(data);
    updated.textContent = data.updated;
    var notes = [];
    if (!data.markers.length) {
      notes.push(box.dataset.none);
    }
    if (data.unplaced) {
      notes.push(box.dataset.unplaced.replace("{n}", data.unplaced));
    }
    say(notes.join(" "));
    box.dataset.loaded = String((parseInt(box.dataset.loaded, 10) || 0) + 1);
  }

  function load() {
    fetch(box.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.redirected) {
          // The session ended: the login page, and back here after it.
          window.location.reload();
          throw new Error("signed out");
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(draw)
      .catch(function () {
        say(box.dataset.failed);
      })
      .then(function () {
        window.setTimeout(load, refreshMs);
      });
  }

  load();
})();
