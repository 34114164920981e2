// The cost page: while a slider moves, ask /console/cost/estimate for the same estimate the
// page rendered (the server's cost model) and redraw the total, the tables and the notes.
(function () {
  "use strict";
  const form = document.getElementById("cost-form");
  if (!form) return;
  const money = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const qty = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 6 });
  const error = document.getElementById("cost-error");
  let source = new URLSearchParams(location.search).get("source") || "profile";
  let timer = null;
  let asked = 0;

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function rows(tbody, list) {
    tbody.replaceChildren(...list.map((cells) => {
      const tr = document.createElement("tr");
      tr.append(...cells);
      return tr;
    }));
  }

  function draw(data) {
    document.getElementById("cost-total").textContent = "$" + money.format(data.monthly_usd);
    document.getElementById("cost-profile").textContent = data.profile;
    rows(document.querySelector("#cost-services tbody"),
      Object.entries(data.services).map(([name, usd]) => [cell(name), cell(money.format(usd), "num")]));
    rows(document.querySelector("#cost-lines tbody"), data.lines.map((l) => [
      cell(l.service), cell(l.stack + "/" + l.resource, "mono"), cell(l.item),
      cell(qty.format(l.quantity) + " " + l.unit, "num"), cell(money.format(l.usd), "num"),
    ]));
    const notes = document.getElementById("cost-assumptions");
    notes.replaceChildren(...data.assumptions.map((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      return li;
    }));
  }

  function query() {
    const params = new URLSearchParams(new FormData(form));
    params.set("source", source);
    return params;
  }

  async function update() {
    const mine = ++asked;
    const params = query();
    const response = await fetch(form.dataset.estimate + "?" + params.toString(), {
      headers: { accept: "application/json" },
    });
    const data = await response.json();
    if (mine !== asked) return; // a newer request is on its way
    if (!response.ok) {
      error.textContent = data.error || "The estimate failed.";
      error.hidden = false;
      return;
    }
    error.hidden = true;
    draw(data);
    history.replaceState(null, "", "?" + params.toString());
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(() => update().catch((e) => {
      error.textContent = String(e);
      error.hidden = false;
    }), 150);
  }

  form.addEventListener("input", (event) => {
    const input = event.target;
    if (input.type === "range") {
      const out = document.getElementById("out-" + input.name);
      if (out) out.textContent = input.value;
    }
    if (input.name === "source") source = input.value;
    else if (input.type === "range" && input.name !== "scale") source = "profile";
    const choice = document.getElementById("in-source");
    if (choice) choice.value = source;
    later();
  });
  document.getElementById("from-local").addEventListener("click", (event) => {
    event.preventDefault();
    source = "local";
    const choice = document.getElementById("in-source");
    if (choice) choice.value = source;
    later();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    later();
  });
})();
