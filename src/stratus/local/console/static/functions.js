// The function page, live: polls /console/functions/{name}/logs?after=<cursor>&
// invoked_after=<cursor> every 1.5 s, appends the log lines it does not show yet (each line
// carries an id: a poll reads a little before the cursor, as log lines reach CloudWatch Logs
// late) and puts new invocations on top of their table. Without this script the page shows
// both as they were when it loaded.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const log = document.querySelector("pre[data-log-tail]");
  if (!log) return;
  const url = log.dataset.logTail;
  const status = document.getElementById("tail-status");
  const empty = document.getElementById("no-lines");
  const MAX_LINES = 1000; // lines kept on the page: the oldest go first
  const INTERVAL_MS = 1500;
  const invocations = document.getElementById("invocations");
  const noInvocations = document.getElementById("no-invocations");
  const cellClasses = Array.from(invocations.querySelectorAll("thead th"), (th) => th.dataset.cell);
  const MAX_ROWS = 200; // as many as the runtime keeps per function
  let cursor = log.dataset.cursor || "0";
  let invokedCursor = invocations.dataset.invokedCursor || "0";
  let seen = new Set();
  const reseed = () => {
    seen = new Set(Array.from(log.querySelectorAll("div.line"), (el) => el.dataset.id));
  };
  reseed();
  log.scrollTop = log.scrollHeight; // the newest lines in view

  const append = (event) => {
    const line = document.createElement("div");
    line.className = "line";
    line.dataset.id = event.id;
    const time = document.createElement("span");
    time.className = "muted";
    time.textContent = event.time;
    line.append(time, " " + event.message);
    log.append(line);
  };

  const addInvocations = (records) => {
    const body = invocations.tBodies[0];
    for (const record of [...records].reverse()) {  // oldest first, each on top
      const known = body.querySelector(`tr[data-request-id="${CSS.escape(record.request_id)}"]`);
      if (known) continue;
      const row = document.createElement("tr");
      row.dataset.requestId = record.request_id;
      record.cells.forEach((text, index) => {
        const cell = row.insertCell();
        if (cellClasses[index]) cell.className = cellClasses[index];
        cell.textContent = text;
      });
      body.prepend(row);
      if (noInvocations) noInvocations.hidden = true;
    }
    while (body.rows.length > MAX_ROWS) body.lastElementChild.remove();
  };

  const poll = async () => {
    try {
      const query = `after=${encodeURIComponent(cursor)}&invoked_after=${encodeURIComponent(invokedCursor)}`;
      const response = await fetch(`${url}?${query}`, {
        headers: { accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
      let added = 0;
      for (const event of data.events) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        append(event);
        added += 1;
      }
      cursor = String(data.cursor);
      addInvocations(data.invocations);
      invokedCursor = String(data.invoked_cursor);
      if (added) {
        while (log.childElementCount > MAX_LINES) log.firstElementChild.remove();
        if (seen.size > 4 * MAX_LINES) reseed();
        if (empty) empty.hidden = true;
        if (atBottom) log.scrollTop = log.scrollHeight;
      }
      if (status) status.textContent = `${data.group} · live`;
    } catch (error) {
      if (status) status.textContent = `tail paused (${error.message}); retrying`;
    }
    window.setTimeout(poll, INTERVAL_MS);
  };
  window.setTimeout(poll, INTERVAL_MS);
});
