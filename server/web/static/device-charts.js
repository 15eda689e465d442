// The device page's charts (server/web/pages/device.py): the readings that
// GET /api/v1/devices/{id}/readings answers, already brought down to at most 1,000
// points a series on the server, drawn with uPlot, one chart per group of series.
// A file of its own, never inline (the Content-Security-Policy); what it needs comes
// from the data-* attributes of <section id="charts">. Times on the axis and in the
// legend are in the inventory's time zone (Asia/Ho_Chi_Minh), not the browser's.
(function () {
  "use strict";
  var box = document.getElementById("charts");
  if (!box || typeof uPlot === "undefined") {
    return;
  }
  var zone = box.dataset.tz;
  var palette = ["#0b4a75", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490"];
  var height = 180;
  var plots = [];
  var minute = 60;
  var hour = 60 * minute;
  var day = 24 * hour;
  // The time axis as Vietnam writes dates: day first, 24-hour clock (uPlot's own stamps
  // are American). Per tick spacing: the tick's label, then the label of the tick where
  // a larger unit begins (year, month, day, hour, minute, second), 1: only the first.
  var stamps = [
    [365 * day, "{YYYY}", null, null, null, null, null, null, 1],
    [28 * day, "{MM}/{YYYY}", "\n{YYYY}", null, null, null, null, null, 1],
    [day, "{DD}/{MM}", "\n{YYYY}", null, null, null, null, null, 1],
    [hour, "{HH}:{mm}", "\n{DD}/{MM}/{YYYY}", null, "\n{DD}/{MM}", null, null, null, 1],
    [minute, "{HH}:{mm}", "\n{DD}/{MM}/{YYYY}", null, "\n{DD}/{MM}", null, null, null, 1],
    [1, ":{ss}", "\n{DD}/{MM}/{YYYY} {HH}:{mm}", null, "\n{DD}/{MM} {HH}:{mm}", null, "\n{HH}:{mm}", null, 1],
  ];
  var legendTime = uPlot.fmtDate("{DD}/{MM}/{YYYY} {HH}:{mm}");

  function inZone(ts) {
    return uPlot.tzDate(new Date(ts * 1000), zone);
  }

  function say(text) {
    var line = document.createElement("p");
    line.className = "muted";
    line.textContent = text;
    box.appendChild(line);
  }

  function width() {
    return Math.max(240, box.clientWidth);
  }

  function draw(body) {
    if (!body.charts.length) {
      say(box.dataset.empty);
      return;
    }
    if (body.truncated) {
      say(box.dataset.truncated);
    }
    body.charts.forEach(function (chart) {
      var figure = document.createElement("figure");
      figure.className = "chart";
      figure.dataset.chart = chart.id;
      var caption = document.createElement("figcaption");
      caption.textContent = chart.title;
      figure.appendChild(caption);
      box.appendChild(figure);
      var series = [
        {
          label: box.dataset.timeLabel,
          value: function (plot, ts) {
            return ts == null ? "--" : legendTime(inZone(ts));
          },
        },
      ];
      var data = [body.time];
      chart.series.forEach(function (one, number) {
        series.push({
          label: one.label,
          stroke: palette[number % palette.length],
          width: 1.5,
        });
        data.push(one.values);
      });
      var options = {
        width: width(),
        height: height,
        tzDate: inZone,
        scales: { x: { time: true } },
        axes: [{ values: stamps }, { size: 56 }],
        series: series,
      };
      plots.push(new uPlot(options, data, figure));
    });
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      plots.forEach(function (plot) {
        plot.setSize({ width: width(), height: height });
      });
    }, 100);
  });

  fetch(box.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      say(box.dataset.failed + " (" + error.message + ")");
    });
})();
