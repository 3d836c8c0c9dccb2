/* The Player change page's charts (admin/players/player/change_form.html).

   The skill or boss chart and the gains table read the history API from the
   browser, with the staff member's admin session (SessionAuthentication), so they
   show exactly what API clients get. The overall XP series is embedded in the
   page (one series per range): the API's timelines are per skill or boss. The
   range (day, week, month, year, all) is chosen with the radio buttons; both
   charts span it, fitted to the data (from the first record when the range
   reaches further back), so that a new player's points spread across the axis.
   Each canvas gets `data-loaded="<what it shows>"` and `data-range="<range>"`
   once drawn (the browser test waits for them). */
"use strict";

(function () {
  const root = document.getElementById("player-charts");
  if (!root || typeof window.Chart === "undefined") {
    return;
  }
  const historyUrl = root.dataset.historyUrl;
  const firstAt = root.dataset.firstAt ? Date.parse(root.dataset.firstAt) : null;
  const status = document.getElementById("player-charts-status");
  const numbers = new Intl.NumberFormat();
  const day = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
  const dayTime = new Intl.DateTimeFormat(undefined, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
  const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const moment = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  // Follow the admin's light or dark theme.
  const style = getComputedStyle(document.documentElement);
  const css = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  Chart.defaults.color = css("--body-quiet-color", "#666");
  Chart.defaults.borderColor = css("--hairline-color", "#e8e8e8");

  const MINUTE = 60 * 1000;
  const HOUR = 60 * MINUTE;
  const DAY = 24 * HOUR;
  // Days back from now; "all" reaches the first record (players/admin/player_charts.py CHART_RANGES).
  const RANGE_DAYS = { day: 1, week: 7, month: 30, year: 365, all: null };
  // The history API reads at most this many days (docs/api.md).
  const MAX_DAYS = 3650;

  // Both charts span the same window, so they line up: the range, cut to the
  // time since the first record when that is shorter (at least a minute).
  let axis = windowOf(currentRange());

  function windowOf(range) {
    const end = Date.now();
    const days = RANGE_DAYS[range];
    const rangeStart = days === null ? (firstAt ?? end - DAY) : end - days * DAY;
    const start = Math.min(Math.max(rangeStart, firstAt ?? rangeStart), end - MINUTE);
    const span = end - start;
    // Dates over days; times of day over a day or two; times alone within a day.
    const format = span > 2 * DAY ? day : span > DAY ? dayTime : time;
    const apiDays = days ?? Math.min(MAX_DAYS, Math.max(1, Math.ceil((end - rangeStart) / DAY)));
    return { start, end, format, apiDays, label: range };
  }

  function fit(chart) {
    const x = chart.options.scales.x;
    x.min = axis.start;
    x.max = axis.end;
  }

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
            // Evenly spaced moments rather than round millisecond counts.
            afterBuildTicks: (scale) => {
              const { min, max } = scale;
              scale.ticks = [0, 1, 2, 3, 4, 5, 6].map((i) => ({ value: min + ((max - min) * i) / 6 }));
            },
            ticks: { callback: (value) => axis.format.format(value) },
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
    fit(chart);
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

  // Overall XP, embedded by PlayerAdmin for each range.
  const overallCanvas = document.getElementById("overall-chart");
  const overallByRange = JSON.parse(document.getElementById("overall-timelines").textContent);
  const overallChart = lineChart(overallCanvas, "#417690");

  function showOverall(range) {
    const overall = overallByRange[range] || [];
    draw(overallChart, "Overall XP", overall, "experience");
    overallCanvas.dataset.loaded = "overall";
    overallCanvas.dataset.range = range;
    status.textContent =
      overall.length === 0
        ? firstAt === null
          ? "No hiscores records yet."
          : `No hiscores records in the last ${axis.label}.`
        : "";
  }

  // The chosen skill or boss, from /history/skills/{slug} or /history/bosses/{slug}.
  const select = document.getElementById("metric-select");
  const summary = document.getElementById("metric-summary");
  const metricCanvas = document.getElementById("metric-chart");
  const metricChart = lineChart(metricCanvas, "#c06c0b");
  let shown = 0;

  function lasted(body) {
    const span = Date.parse(body.end_record_at) - Date.parse(body.start_record_at);
    if (span < HOUR) {
      const minutes = Math.round(span / MINUTE);
      return `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    const hours = Math.round(span / HOUR);
    return `${hours} hour${hours === 1 ? "" : "s"}`;
  }

  // The API gives no rate over less than a day (docs/api.md, "Rates"): say how
  // long the gain took instead of multiplying minutes up to a day.
  function pace(body, rounded) {
    if (body.rate_per_day !== null) {
      return `${numbers.format(rounded(body.rate_per_day))} a day`;
    }
    return body.start_record_at === body.end_record_at
      ? "one record so far (no daily rate)"
      : `in ${lasted(body)} (under a day: no daily rate)`;
  }

  async function showMetric() {
    const metric = select.value;
    const name = select.selectedOptions[0].textContent;
    const isSkill = metric.startsWith("skills/");
    const range = currentRange();
    const request = ++shown;
    let body = null;
    let failure = null;
    try {
      body = await getJson(`${historyUrl}/${metric}?days=${axis.apiDays}`);
    } catch (error) {
      failure = error;
    }
    if (request !== shown) {
      return; // The select or the range moved on while this was loading.
    }
    if (failure) {
      draw(metricChart, name, [], "y");
      summary.textContent = failure.message;
    } else if (isSkill) {
      draw(metricChart, `${name} XP`, body.timeline, "experience");
      summary.textContent = `+${numbers.format(body.experience_gained)} XP, ${pace(body, Math.round)}`;
    } else {
      draw(metricChart, `${name} kills`, body.timeline, "kc");
      const tenths = (rate) => Math.round(rate * 10) / 10;
      summary.textContent = `+${numbers.format(body.kills_gained)} kills, ${pace(body, tenths)}`;
    }
    metricCanvas.dataset.loaded = metric;
    metricCanvas.dataset.range = range;
  }

  const rangeInputs = document.querySelectorAll('input[name="chart-range"]');

  function currentRange() {
    const checked = document.querySelector('input[name="chart-range"]:checked');
    return checked ? checked.value : "month";
  }

  function showRange() {
    axis = windowOf(currentRange());
    showOverall(currentRange());
    showMetric();
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
  for (const input of rangeInputs) {
    input.addEventListener("change", showRange);
  }
  showRange();
  showGains();
})();
