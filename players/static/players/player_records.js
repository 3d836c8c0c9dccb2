/* The Player change page's records table (admin/players/player/records.html).

   Reads the records API from the browser with the staff member's admin session,
   as the charts read the history API, so it shows what API clients get. A value
   that is only a lower bound (`approximate`) reads "≥ value"; each cell's title
   names the two records it was measured between. The table gets
   `data-loaded="<rows>"` once drawn. */
"use strict";

(function () {
  const root = document.getElementById("player-records");
  if (!root) {
    return;
  }
  const body = document.getElementById("player-records-rows");
  const status = document.getElementById("player-records-status");
  const periods = ["day", "week", "month", "year"];
  const numbers = new Intl.NumberFormat();
  const moment = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function cell(record) {
    const td = document.createElement("td");
    if (!record) {
      td.textContent = "–";
      return td;
    }
    td.textContent = (record.approximate ? "≥ " : "") + numbers.format(record.value);
    td.title =
      moment.format(new Date(record.start_record_at)) + " → " + moment.format(new Date(record.end_record_at));
    return td;
  }

  function draw(records) {
    // Metrics in the order the API lists them (catalogue order).
    const byMetric = new Map();
    for (const record of records) {
      if (!byMetric.has(record.metric)) {
        byMetric.set(record.metric, {});
      }
      byMetric.get(record.metric)[record.period] = record;
    }
    for (const [metric, byPeriod] of byMetric) {
      const row = document.createElement("tr");
      const name = document.createElement("th");
      name.scope = "row";
      name.textContent = metric;
      row.appendChild(name);
      for (const period of periods) {
        row.appendChild(cell(byPeriod[period]));
      }
      body.appendChild(row);
    }
    status.textContent = byMetric.size ? "" : "No records yet: nothing gained between two records.";
    root.dataset.loaded = String(byMetric.size);
  }

  fetch(root.dataset.recordsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) {
        throw new Error("the records API answered " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch((error) => {
      status.textContent = "Could not load the records: " + error.message;
    });
})();
