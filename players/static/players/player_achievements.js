/* The Player change page's recent achievements (admin/players/player/change_form.html).

   Read from the achievements API with the staff member's admin session, like the
   charts read the history API. Fills the "Recent achievements" table and marks each
   dated achievement on the overall XP chart as a dashed vertical line at the moment
   the record that showed it was first seen. Achievements with an unknown date (the
   first record already showed them) are listed but not marked: they have no moment.

   Loaded before player_charts.js: the marks are a Chart.js plugin registered before
   the charts are made, so they survive however that script redraws its charts.
   The table gets `data-loaded="true"` once filled (the browser test waits for it). */
"use strict";

(function () {
  const root = document.getElementById("player-charts");
  const table = document.getElementById("player-achievements");
  if (!root || !table || typeof window.Chart === "undefined") {
    return;
  }
  const moment = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  const marks = []; // [{x: epoch ms, name}]

  Chart.register({
    id: "achievementMarks",
    afterDatasetsDraw(chart) {
      if (chart.canvas.id !== "overall-chart" || marks.length === 0) {
        return;
      }
      const { ctx, chartArea, scales } = chart;
      ctx.save();
      ctx.strokeStyle = "#b8860b";
      ctx.fillStyle = "#b8860b";
      ctx.setLineDash([4, 3]);
      for (const mark of marks) {
        if (mark.x < scales.x.min || mark.x > scales.x.max) {
          continue;
        }
        const x = scales.x.getPixelForValue(mark.x);
        ctx.beginPath();
        ctx.moveTo(x, chartArea.top);
        ctx.lineTo(x, chartArea.bottom);
        ctx.stroke();
        ctx.beginPath();
        ctx.arc(x, chartArea.top + 4, 3, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.restore();
    },
  });

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }

  fetch(root.dataset.achievementsUrl, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status}`))))
    .then(
      (body) => {
        const rows = table.querySelector("tbody");
        rows.textContent = "";
        for (const achievement of body.achieved.slice(0, 10)) {
          const row = document.createElement("tr");
          cell(row, achievement.name);
          if (achievement.achieved_at) {
            cell(row, `${moment.format(Date.parse(achievement.achieved_after))} – ${moment.format(Date.parse(achievement.achieved_before))}`);
          } else {
            cell(row, `by ${moment.format(Date.parse(achievement.achieved_before))} (date unknown)`);
          }
          rows.appendChild(row);
        }
        if (body.achieved.length === 0) {
          const row = document.createElement("tr");
          cell(row, "None yet");
          rows.appendChild(row);
        }
        for (const achievement of body.achieved) {
          if (achievement.achieved_at) {
            marks.push({ x: Date.parse(achievement.achieved_at), name: achievement.name });
          }
        }
        const chart = Chart.getChart("overall-chart");
        if (chart) {
          chart.draw();
        }
        table.dataset.loaded = "true";
      },
      (error) => {
        table.querySelector("tbody").textContent = error.message;
        table.dataset.loaded = "true";
      },
    );
})();
