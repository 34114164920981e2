// The console's one script: small behaviours pages opt into with data attributes.
// Pages work without it; it adds confirmation of actions and live refresh.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // <form data-confirm="Purge queue X?">: ask before sending a destructive action.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
