/* ShopWatch board: draws every chart from the JSON element its data-chart names, and
   submits filter forms when a menu changes. No inline script: the page's CSP forbids it. */
(function () {
  "use strict";
  var charts = [];
  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source || typeof echarts === "undefined") { return; }
    var option;
    try { option = JSON.parse(source.textContent); } catch (e) { return; }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }
  function start() {
    document.querySelectorAll("[data-chart]").forEach(draw);
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
    document.querySelectorAll("[data-autosubmit]").forEach(function (input) {
      input.addEventListener("change", function () { if (input.form) { input.form.submit(); } });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
