/* Draws the dashboard's charts with Apache ECharts (served from our static files).

   Each <div class="chart" data-chart="…" data-source="ID"> is drawn from the JSON in the
   <script type="application/json" id="ID"> element (Django's json_script):
   {"categories": [...], "series": [{"name": "...", "data": [...]}], "horizontal": bool}.
   No inline script anywhere, so a Content-Security-Policy can forbid it; the same numbers are
   in the table beside each chart, which is what works without JavaScript.
   When a chart is drawn its element gets data-rendered="true" (the browser tests wait for it).
   The chart is aria-hidden: screen readers read the table, which holds the same numbers. */
(function () {
  "use strict";

  var PALETTE = ["#a3262a", "#1f4f9c", "#d98c1f", "#3f8f5a", "#7a4f9e"];

  function option(data) {
    var categoryAxis = {
      type: "category",
      data: data.categories,
      axisLabel: { interval: 0, width: 160, overflow: "truncate" },
      inverse: Boolean(data.horizontal)
    };
    var valueAxis = { type: "value", minInterval: 1 };
    return {
      color: PALETTE,
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { show: data.series.length > 1, top: 0 },
      grid: { left: 8, right: 16, top: data.series.length > 1 ? 32 : 8, bottom: 8, containLabel: true },
      xAxis: data.horizontal ? valueAxis : categoryAxis,
      yAxis: data.horizontal ? categoryAxis : valueAxis,
      series: data.series.map(function (series) {
        return { type: "bar", name: series.name, data: series.data, barMaxWidth: 32 };
      })
    };
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-source"));
    if (!source) {
      return null;
    }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option(JSON.parse(source.textContent)));
    element.setAttribute("data-rendered", "true");
    return chart;
  }

  function start() {
    if (!window.echarts) {
      return; /* the tables already show every number */
    }
    var charts = [];
    document.querySelectorAll(".chart[data-chart]").forEach(function (element) {
      var chart = draw(element);
      if (chart) {
        charts.push(chart);
      }
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
