// Metrics: choosing a namespace, metric, dimensions or range in the form shows it at once
// (the form still works without this script: its Show button sends the same GET).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form#plot-form");
  if (!form) return;
  for (const select of form.querySelectorAll("select[data-auto]")) {
    select.addEventListener("change", () => {
      // A new namespace makes the metric and its dimensions stale.
      if (select.name === "namespace") for (const n of ["metric", "dims"]) form.elements[n]?.remove();
      if (select.name === "metric") form.elements["dims"]?.remove();
      if (select.name === "range") for (const n of ["start", "end"]) if (form.elements[n]) form.elements[n].value = "";
      form.submit();
    });
  }
});
