/* The Player change page's charts (admin/players/player/change_form.html).

   The skill or boss chart and the gains table read the history API from the
   browser, with the staff member's admin session (SessionAuthentication), so they
   show exactly what API clients get. The overall XP series is embedded in the
   page: the API's timelines are per skill or boss. Each canvas gets
   `data-loaded="<what it shows>"` once drawn (the browser test waits for it). */
"use strict";

(function () {
  const root = document.getElementById("player-charts");
  if (!root || typeof window.Chart === "undefined") {
    return;
  }
  const historyUrl = root.dataset.historyUrl;
  const days = root.dataset.days;
  const status = document.getElementById("player-charts-status");
  const numbers = new Intl.NumberFormat();
  const day = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
  const moment = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  // Follow the admin's light or dark theme.
  const style = getComputedStyle(document.documentElement);
  const css = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  Chart.defaults.color = css("--body-quiet-color", "#666");
  Chart.defaults.borderColor = css("--hairline-color", "#e8e8e8");

  // Both charts span the same window, so they line up.
  const end = Date.now();
  const start = end - Number(days) * 24 * 3600 * 1000;

  function lineChart(canvas, colour) {
    return new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: "", data: [], borderColor: colour, backgroundColor: colour, pointRadius: 2 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          // Epoch milliseconds on a linear axis: no date adapter to vendor.
          x: {
            type: "linear",
            min: start,
            max: end,
            // Evenly spaced dates rather than round millisecond counts.
            afterBuildTicks: (axis) => {
              axis.ticks = [0, 1, 2, 3, 4, 5, 6].map((i) => ({ value: start + ((end - start) * i) / 6 }));
            },
            ticks: { callback: (value) => day.format(value) },
          },
          y: { ticks: { callback: (value) => numbers.format(value) } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => moment.format(items[0].parsed.x),
              label: (item) => `${item.dataset.label}: ${numbers.format(item.parsed.y)}`,
            },
          },
        },
      },
    });
  }

  function draw(chart, label, timeline, key) {
    const dataset = chart.data.datasets[0];
    dataset.label = label;
    // An unranked value (null) leaves a gap.
    dataset.data = timeline.map((point) => ({ x: Date.parse(point.at), y: point[key] }));
    chart.update();
  }

  async function getJson(url) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      // The API's error body: {"error_code", "message", ...}.
      const error = new Error(body && body.message ? body.message : `HTTP ${response.status}`);
      error.code = body ? body.error_code : null;
      throw error;
    }
    return body;
  }

  // Overall XP, embedded by PlayerAdmin.
  const overallCanvas = document.getElementById("overall-chart");
  const overall = JSON.parse(document.getElementById("overall-timeline").textContent);
  draw(lineChart(overallCanvas, "#417690"), "Overall XP", overall, "experience");
  overallCanvas.dataset.loaded = "overall";
  if (overall.length === 0) {
    status.textContent = `No hiscores records in the last ${days} days.`;
  }

  // The chosen skill or boss, from /history/skills/{slug} or /history/bosses/{slug}.
  const select = document.getElementById("metric-select");
  const summary = document.getElementById("metric-summary");
  const metricCanvas = document.getElementById("metric-chart");
  const metricChart = lineChart(metricCanvas, "#c06c0b");
  let shown = 0;

  async function showMetric() {
    const metric = select.value;
    const name = select.selectedOptions[0].textContent;
    const isSkill = metric.startsWith("skills/");
    const request = ++shown;
    let body = null;
    let failure = null;
    try {
      body = await getJson(`${historyUrl}/${metric}?days=${days}`);
    } catch (error) {
      failure = error;
    }
    if (request !== shown) {
      return; // The select moved on while this was loading.
    }
    if (failure) {
      draw(metricChart, name, [], "y");
      summary.textContent = failure.message;
    } else if (isSkill) {
      draw(metricChart, `${name} XP`, body.timeline, "experience");
      summary.textContent = `+${numbers.format(body.experience_gained)} XP, ${numbers.format(
        Math.round(body.rate_per_day),
      )} a day`;
    } else {
      draw(metricChart, `${name} kills`, body.timeline, "kc");
      summary.textContent = `+${numbers.format(body.kills_gained)} kills, ${numbers.format(
        Math.round(body.rate_per_day * 10) / 10,
      )} a day`;
    }
    metricCanvas.dataset.loaded = metric;
  }

  // Overall XP gained over the last day, week and month, from /history?period=.
  function showGains() {
    for (const row of document.querySelectorAll("#player-gains tr[data-period]")) {
      const cell = row.querySelector("td");
      getJson(`${historyUrl}?period=${row.dataset.period}`).then(
        (body) => {
          // A gain the API can only bound from below is marked as such.
          const atLeast = (body.approximate || []).includes("overall") ? "≥ " : "";
          cell.textContent = atLeast + numbers.format(body.experience_gained.overall);
          cell.dataset.loaded = "true";
        },
        (error) => {
          cell.textContent = "-";
          cell.title = error.message;
          cell.dataset.loaded = "true";
        },
      );
    }
  }

  select.addEventListener("change", showMetric);
  showMetric();
  showGains();
})();
