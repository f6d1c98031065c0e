/* Draw a chart only when its <details> is opened, so ECharts (≈350 KB gzipped) is fetched
   only by those who want to look: pages stay light on a weak mountain signal. */
(function () {
  "use strict";
  var loading = null;

  function loadECharts(src) {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { resolve(window.echarts); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  var draw = {
    bars: function (echarts, box, data) {
      var chart = echarts.init(box, null, { renderer: "svg" });
      chart.setOption({
        grid: { left: 8, right: 40, top: 10, bottom: 10, containLabel: true },
        xAxis: { type: "value", max: function (v) { return Math.max(100, v.max); },
                 axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", inverse: true, data: data.map(function (d) { return d.name; }) },
        series: [{ type: "bar", data: data.map(function (d) { return d.percent; }),
                   label: { show: true, position: "right", formatter: "{c}%" },
                   markLine: { silent: true, symbol: "none", data: [{ xAxis: 100 }] } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    },
    line: function (echarts, box, data) {
      var chart = echarts.init(box, null, { renderer: "svg" });
      chart.setOption({
        grid: { left: 8, right: 20, top: 20, bottom: 10, containLabel: true },
        tooltip: { trigger: "axis", renderMode: "richText" },
        xAxis: { type: "category", data: data.map(function (d) { return d.month; }) },
        yAxis: { type: "value" },
        series: [{ type: "line", step: "end", areaStyle: {},
                   data: data.map(function (d) { return d.value; }) }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    },
    stacked: function (echarts, box, data) {
      /* data: {months: [labels], series: [{name, values: [one per month]}]} */
      var chart = echarts.init(box, null, { renderer: "svg" });
      chart.setOption({
        grid: { left: 8, right: 12, top: 10, bottom: 56, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
        legend: { bottom: 0, type: "scroll" },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", minInterval: 1 },
        series: data.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "all", data: s.values };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    },
    counts: function (echarts, box, data) {
      /* data: [{name, value}]: one labelled bar each */
      var chart = echarts.init(box, null, { renderer: "svg" });
      chart.setOption({
        grid: { left: 8, right: 40, top: 10, bottom: 10, containLabel: true },
        xAxis: { type: "value", minInterval: 1, axisLabel: { show: false } },
        yAxis: { type: "category", inverse: true, data: data.map(function (d) { return d.name; }) },
        series: [{ type: "bar", colorBy: "data", data: data.map(function (d) { return d.value; }),
                   label: { show: true, position: "right" } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    },
    tree: function (echarts, box, data) {
      var chart = echarts.init(box, null, { renderer: "svg" });
      chart.setOption({
        /* richText: drawn in the SVG as text, never parsed as HTML (names are people's input) and
           free of the style attributes that the Content-Security-Policy blocks. */
        tooltip: { trigger: "item", renderMode: "richText",
                   formatter: function (p) { return p.data.tip || p.name; } },
        series: [{
          type: "tree", data: [data], orient: "LR", top: 10, bottom: 10, left: 120, right: 250,
          symbolSize: 9, expandAndCollapse: false, initialTreeDepth: -1,
          label: { position: "left", verticalAlign: "middle", align: "right", fontSize: 13 },
          leaves: { label: { position: "right", align: "left" } },
          lineStyle: { color: "#9aa7b4" }
        }]
      });
      chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
      window.addEventListener("resize", function () { chart.resize(); });
    }
  };

  document.querySelectorAll("details[data-chart]").forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (!details.open || details.dataset.drawn) return;
      details.dataset.drawn = "1";
      var box = details.querySelector(".chart");
      box.style.height = (box.dataset.height || 320) + "px";
      var data = JSON.parse(document.getElementById(details.dataset.chartData).textContent);
      loadECharts(details.dataset.echarts).then(function (echarts) {
        draw[details.dataset.chart](echarts, box, data);
      });
    });
  });
})();
