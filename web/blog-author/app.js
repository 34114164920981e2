// MyBlog author page: sign in (Cognito, `authors` group), write Markdown with a live
// preview rendered by the API's own renderer (POST /api/admin/preview), save, publish,
// unpublish, and add photos (POST /api/uploads -> the pre-signed POST to S3 -> wait for the
// pipeline's variants -> Markdown at the cursor). No framework, no build step, no third-party
// requests; config.json comes from the stack outputs (served beside this page by `stratus up`).
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const TOKENS_KEY = "myblog.author.tokens";
const PREVIEW_DELAY_MS = 300;
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp", "image/avif"];
const PHOTO_MAX_BYTES = 25 * 1024 * 1024; // the pipeline's limit; S3's policy enforces it too
const PHOTO_WIDTH = 1280; // the variant the Markdown names; the site adds srcset for smaller
const PHOTO_WAIT_MS = 60_000;
const PHOTO_POLL_MS = 500;

let config = null;
let current = null; // the post being edited, as the API returned it (null: a new post)
let previewTimer = null;
let previewSeq = 0;

class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

function showError(message) {
  const box = $('[data-testid="error"]');
  box.textContent = message || "";
  box.hidden = !message;
}

function showStatus(message) {
  $('[data-testid="status"]').textContent = message || "";
}

function describe(err) {
  if (err instanceof ApiError && err.field) return `${err.message} (field: ${err.field})`;
  return err && err.message ? err.message : String(err);
}

// ------------------------------------------------------------------ Cognito
async function cognito(op, body) {
  const endpoint = config.cognitoEndpoint || `https://cognito-idp.${config.region}.amazonaws.com`;
  const res = await fetch(endpoint.replace(/\/?$/, "/"), {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${op}`,
    },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data.message || data.Message || `HTTP ${res.status}`);
  return data;
}

function tokens() {
  try { return JSON.parse(sessionStorage.getItem(TOKENS_KEY)); } catch { return null; }
}

async function signIn(email, password) {
  const data = await cognito("InitiateAuth", {
    ClientId: config.clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!data.AuthenticationResult) throw new Error(`Sign-in needs ${data.ChallengeName}, which this page cannot do`);
  const result = data.AuthenticationResult;
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify({ email, idToken: result.IdToken, refreshToken: result.RefreshToken }));
}

async function refresh() {
  const found = tokens();
  if (!found?.refreshToken) return false;
  try {
    const data = await cognito("InitiateAuth", {
      ClientId: config.clientId,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: found.refreshToken },
    });
    sessionStorage.setItem(TOKENS_KEY, JSON.stringify({ ...found, idToken: data.AuthenticationResult.IdToken }));
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ API
async function api(method, path, body, retried = false) {
  const headers = { Authorization: tokens()?.idToken || "" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(new URL(path, config.apiUrl), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && !retried && (await refresh())) return api(method, path, body, true);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (res.status === 401) {
    signOut("Your session ended. Please sign in again.");
  }
  if (!res.ok) {
    const d = data || {};
    throw new ApiError(res.status, d.message || `HTTP ${res.status}`, d.details?.field);
  }
  return data;
}

// ------------------------------------------------------------------ screens
function show(screen) {
  $("#signin").hidden = screen !== "signin";
  $("#app").hidden = screen !== "app";
  $('[data-testid="whoami-box"]').hidden = screen !== "app";
  $('[data-testid="whoami"]').textContent = tokens()?.email || "";
  $(`#${screen} h2`).focus();
}

function signOut(message) {
  sessionStorage.removeItem(TOKENS_KEY);
  show("signin");
  showError(message || "");
}

// ------------------------------------------------------------------ posts
function siteLink(post) {
  const base = (config.siteUrl || "").replace(/\/$/, "");
  return `${base}/${post.lang}/posts/${post.slug}/`;
}

async function loadPosts() {
  const data = await api("GET", "api/admin/posts");
  const list = $('[data-testid="post-list"]');
  list.replaceChildren(...data.items.map((post) => {
    const item = document.createElement("li");
    item.dataset.testid = "post-item";
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = post.title;
    open.addEventListener("click", () => edit(post.slug));
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = `${post.lang} · ${post.status}`;
    item.append(open, state);
    return item;
  }));
}

function fill(post) {
  current = post;
  const form = $('[data-testid="editor"]');
  form.reset();
  form.slug.readOnly = Boolean(post);
  if (post) {
    form.slug.value = post.slug;
    form.lang.value = post.lang;
    form.title.value = post.title;
    form.tags.value = (post.tags || []).join(", ");
    form.translation_key.value = post.translation_key || "";
    form.body.value = post.body;
  }
  $('[data-testid="post-state"]').textContent = post ? `Status: ${post.status}` : "New post (not saved)";
  const link = $('[data-testid="published-link"]');
  link.hidden = !(post && post.status === "published");
  if (post) $("a", link).href = siteLink(post);
  $('[data-testid="preview"]').replaceChildren();
  if (post) schedulePreview(0);
}

async function edit(slug) {
  showError("");
  try {
    fill(await api("GET", `api/admin/posts/${encodeURIComponent(slug)}`));
  } catch (err) {
    showError(describe(err));
  }
}

function formBody(form) {
  const body = {
    title: form.title.value,
    body: form.body.value,
    lang: form.lang.value,
    tags: form.tags.value.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean),
  };
  const key = form.translation_key.value.trim();
  if (key) body.translation_key = key;
  return body;
}

async function save() {
  const form = $('[data-testid="editor"]');
  const body = formBody(form);
  if (current) {
    await api("PUT", `api/admin/posts/${encodeURIComponent(current.slug)}`, body);
    return api("GET", `api/admin/posts/${encodeURIComponent(current.slug)}`);
  }
  return api("POST", "api/admin/posts", { slug: form.slug.value.trim(), ...body });
}

async function setStatus(action) {
  showError("");
  try {
    const saved = await save();
    const result = await api("POST", `api/admin/posts/${encodeURIComponent(saved.slug)}/${action}`);
    fill(await api("GET", `api/admin/posts/${encodeURIComponent(saved.slug)}`));
    showStatus(`${action === "publish" ? "Published" : "Unpublished"} “${saved.title}” (${result.changed.length} site files changed)`);
    await loadPosts();
  } catch (err) {
    showError(describe(err));
  }
}

// ------------------------------------------------------------------ preview
function schedulePreview(delay = PREVIEW_DELAY_MS) {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(renderPreview, delay);
}

async function renderPreview() {
  const markdown = $('[data-testid="editor"]').body.value;
  const box = $('[data-testid="preview"]');
  if (!markdown.trim()) {
    box.replaceChildren();
    return;
  }
  const seq = ++previewSeq;
  try {
    const data = await api("POST", "api/admin/preview", { body: markdown });
    if (seq === previewSeq) box.replaceChildren(onSite(data.html));
  } catch (err) {
    if (seq === previewSeq) box.textContent = describe(err);
  }
}

// The preview's HTML (sanitised by the API, nh3 allow-list) with the site's own paths
// (`/photos/...`) pointing at the site: this page is served from another origin. Parsed in
// a <template> so nothing loads before the rewrite.
function onSite(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const base = (config.siteUrl || "").replace(/\/$/, "");
  if (base) {
    for (const img of template.content.querySelectorAll("img")) {
      const src = img.getAttribute("src") || "";
      if (src.startsWith("/photos/")) img.setAttribute("src", base + src);
      const srcset = img.getAttribute("srcset");
      if (srcset) img.setAttribute("srcset", srcset.replace(/(^|, )\/photos\//g, `$1${base}/photos/`));
    }
  }
  return template.content;
}

// ------------------------------------------------------------------ photos
function photoStatus(message, percent) {
  $('[data-testid="photo-status"]').textContent = message || "";
  const bar = $('[data-testid="photo-progress"]');
  bar.hidden = percent === undefined;
  if (percent !== undefined) bar.value = percent;
}

// The pre-signed POST: every signed field, then the file LAST (S3 ignores fields after it).
// XMLHttpRequest, not fetch: only it reports upload progress.
function postToS3(ticket, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", ticket.url);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(Math.round((100 * e.loaded) / e.total));
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const code = /<Code>([^<]*)<\/Code>/.exec(xhr.responseText || "");
      const message = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText || "");
      reject(new Error(`The upload was refused (${xhr.status} ${code ? code[1] : ""}${message ? `: ${message[1]}` : ""})`));
    });
    xhr.addEventListener("error", () => reject(new Error("The upload could not reach storage; check your connection")));
    xhr.send(form);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForVariants(name) {
  const deadline = Date.now() + PHOTO_WAIT_MS;
  for (;;) {
    const status = await api("GET", `api/uploads/${encodeURIComponent(name)}`);
    if (status.status === "ready") return status;
    if (status.status === "rejected") {
      throw new Error(`The photo was rejected: ${status.reason || "unknown reason"}${status.detail ? ` (${status.detail})` : ""}`);
    }
    if (Date.now() > deadline) throw new Error("The photo is still being processed; try again in a minute");
    await sleep(PHOTO_POLL_MS);
  }
}

function insertAtCursor(textarea, text) {
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? start;
  const before = textarea.value.slice(0, start);
  const after = textarea.value.slice(end);
  const lead = before && !before.endsWith("\n\n") ? (before.endsWith("\n") ? "\n" : "\n\n") : "";
  const block = `${lead}${text}\n\n`;
  textarea.value = before + block + after;
  textarea.selectionStart = textarea.selectionEnd = before.length + block.length;
}

async function uploadPhoto(file) {
  showError("");
  if (!PHOTO_TYPES.includes(file.type)) {
    throw new Error(`${file.name} is not a JPEG, PNG, WebP or AVIF image`);
  }
  if (file.size > PHOTO_MAX_BYTES) {
    throw new Error(`${file.name} is ${(file.size / 1048576).toFixed(1)} MB; photos may be at most ${PHOTO_MAX_BYTES / 1048576} MB`);
  }
  photoStatus(`Preparing ${file.name}…`, 0);
  const ticket = await api("POST", "api/uploads", { filename: file.name, contentType: file.type, size: file.size });
  await postToS3(ticket, file, (percent) => photoStatus(`Uploading ${file.name}… ${percent}%`, percent));
  photoStatus("Making the web sizes…", 100);
  const status = await waitForVariants(ticket.name);
  const jpegs = status.variants.filter((v) => v.format === "jpg");
  const chosen = jpegs.find((v) => v.width <= PHOTO_WIDTH) || jpegs[jpegs.length - 1];
  const alt = (status.alt || ticket.alt || "photo").replace(/[\[\]]/g, "");
  const editor = $('[data-testid="editor"]');
  insertAtCursor(editor.body, `![${alt}](${chosen.url})`);
  schedulePreview(0);
  photoStatus(`Added ${file.name} (${status.width}×${status.height}); edit the alt text in brackets.`);
}

// ------------------------------------------------------------------ wiring
function wire() {
  $('[data-testid="signin-form"]').addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    showError("");
    try {
      await signIn(form.email.value.trim(), form.password.value);
      form.password.value = "";
      await enter();
    } catch (err) {
      showError(describe(err));
    }
  });
  $('[data-testid="signout"]').addEventListener("click", () => signOut(""));
  $('[data-testid="new-post"]').addEventListener("click", () => fill(null));
  const editor = $('[data-testid="editor"]');
  editor.body.addEventListener("input", () => schedulePreview());
  editor.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    try {
      fill(await save());
      showStatus(`Saved “${current.title}”`);
      await loadPosts();
    } catch (err) {
      showError(describe(err));
    }
  });
  editor.photo.addEventListener("change", async (event) => {
    const input = event.target;
    const file = input.files && input.files[0];
    if (!file) return;
    input.disabled = true;
    try {
      await uploadPhoto(file);
    } catch (err) {
      photoStatus("");
      showError(describe(err));
    } finally {
      input.disabled = false;
      input.value = "";
    }
  });
  $('[data-testid="publish"]').addEventListener("click", () => setStatus("publish"));
  $('[data-testid="unpublish"]').addEventListener("click", () => setStatus("unpublish"));
}

async function enter() {
  try {
    await loadPosts();
  } catch (err) {
    if (err.status === 403) {
      signOut("This account is not in the authors group.");
      return;
    }
    throw err;
  }
  fill(null);
  show("app");
}

async function main() {
  wire();
  try {
    config = await (await fetch("config.json")).json();
  } catch {
    config = null;
  }
  if (!config || !config.apiUrl) {
    showError("This page has no config.json with the blog's API: is the blog stack running?");
    return;
  }
  if (tokens()) {
    try {
      await enter();
      return;
    } catch (err) {
      showError(describe(err));
    }
  }
  show("signin");
}

main();
