// stratus to-do web client: no framework, no build step.
// Cognito is called directly over its JSON protocol (public-client operations need no
// signing); the API gets the raw ID token in `Authorization`, like the CLI and SDK.

const $ = (sel, root = document) => root.querySelector(sel);
const TOKENS_KEY = "stratus.todo.tokens";
const PAGE_SIZE = 25;

let config = null;
let nextCursor = null;

// ---------------------------------------------------------------- messages
function showError(message) {
  const box = $('[data-testid="error"]');
  box.textContent = message;
  box.hidden = !message;
}

function showStatus(message) {
  $('[data-testid="status"]').textContent = message || "";
}

function describe(err) {
  if (err instanceof ApiError) {
    return err.field ? `${err.message} (field: ${err.field})` : err.message;
  }
  return err && err.message ? err.message : String(err);
}

class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

// ---------------------------------------------------------------- screens
const SCREENS = ["signin", "signup", "confirm", "app"];

function show(screen) {
  for (const name of SCREENS) $(`#${name}`).hidden = name !== screen;
  const signedIn = screen === "app";
  $('[data-testid="whoami-box"]').hidden = !signedIn;
  if (signedIn) $('[data-testid="whoami"]').textContent = tokens()?.email || "";
  const heading = $(`#${screen} h2`);
  if (heading) heading.focus();
}

// ---------------------------------------------------------------- Cognito
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
  if (!res.ok) {
    const type = String(data.__type || res.headers.get("x-amzn-ErrorType") || "Error").split("#").pop().split(":")[0];
    throw new ApiError(res.status, type, data.message || data.Message || type);
  }
  return data;
}

function tokens() {
  try {
    return JSON.parse(sessionStorage.getItem(TOKENS_KEY));
  } catch {
    return null;
  }
}

function saveTokens(email, result, refreshToken) {
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify({
    email,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken || refreshToken,
  }));
}

async function signIn(email, password) {
  const data = await cognito("InitiateAuth", {
    ClientId: config.clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!data.AuthenticationResult) throw new Error(`Sign-in needs ${data.ChallengeName}, which this app cannot do`);
  saveTokens(email, data.AuthenticationResult);
}

async function refresh() {
  const current = tokens();
  if (!current?.refreshToken) return false;
  try {
    const data = await cognito("InitiateAuth", {
      ClientId: config.clientId,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: current.refreshToken },
    });
    saveTokens(current.email, data.AuthenticationResult, current.refreshToken);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- hosted UI (OAuth code + PKCE)
// The user pool's hosted UI signs the user in and redirects back here with a code; the code
// is exchanged at its token endpoint with the PKCE verifier kept in sessionStorage. The
// redirect URI is this page (a callback URL of the app client, compared exactly).
const PKCE_KEY = "stratus.todo.pkce";

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

async function hostedSignIn() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    client_id: config.clientId,
    response_type: "code",
    redirect_uri: redirectUri(),
    scope: "openid email profile",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  location.assign(`${config.hostedUiUrl.replace(/\/$/, "")}/oauth2/authorize?${query}`);
}

function claimsOf(jwt) {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
}

// Back from the hosted UI: ?code=...&state=... (or ?error=...). Returns true when signed in.
async function finishHostedSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return false;
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, "", location.pathname); // the code is single-use: drop it
  if (params.has("error")) throw new Error(`Hosted UI sign-in failed: ${params.get("error")}`);
  if (!pending || pending.state !== params.get("state")) throw new Error("Hosted UI sign-in failed: state mismatch");
  const res = await fetch(`${config.hostedUiUrl.replace(/\/$/, "")}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.clientId,
      code: params.get("code"),
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`Hosted UI sign-in failed: ${data.error || res.status}`);
  const claims = claimsOf(data.id_token);
  saveTokens(claims.email || claims["cognito:username"], { IdToken: data.id_token, RefreshToken: data.refresh_token });
  return true;
}

function signOut(message) {
  sessionStorage.removeItem(TOKENS_KEY);
  show("signin");
  showError(message || "");
}

// ---------------------------------------------------------------- API
async function api(method, path, body, retried = false) {
  const headers = { Authorization: tokens()?.idToken || "" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(new URL(path, config.apiUrl), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && !retried) {
    if (await refresh()) return api(method, path, body, true);
    signOut("Your session ended. Please sign in again.");
    throw new ApiError(401, "Unauthorized", "Your session ended. Please sign in again.");
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const d = data || {};
    throw new ApiError(res.status, d.error || `HTTP ${res.status}`, d.message || res.statusText, d.details?.field);
  }
  return data;
}

// ---------------------------------------------------------------- to-dos
function renderTodo(todo) {
  const li = document.createElement("li");
  li.dataset.testid = "todo-item";
  li.dataset.id = todo.id;
  li.className = todo.done ? "done" : "";
  const id = `todo-${todo.id}`;
  li.innerHTML = `
    <input type="checkbox" id="${id}" data-testid="todo-toggle">
    <div class="text">
      <label for="${id}" data-testid="todo-text"></label>
      <span class="due" id="${id}-due" data-testid="todo-due-text"></span>
    </div>
    <button type="button" class="icon" data-testid="todo-delete"><span aria-hidden="true">✕</span></button>`;
  $("input", li).checked = !!todo.done;
  $("label", li).textContent = todo.title;
  $(".due", li).textContent = todo.due ? `due ${todo.due}` : "";
  if (todo.due) $("input", li).setAttribute("aria-describedby", `${id}-due`);
  $("button", li).setAttribute("aria-label", `Delete “${todo.title}”`);
  $("input", li).addEventListener("change", (e) => toggle(todo, e.target, li));
  $("button", li).addEventListener("click", () => remove(todo, li));
  return li;
}

function updateEmpty() {
  $('[data-testid="todo-empty"]').hidden = $('[data-testid="todo-list"]').children.length > 0;
  $('[data-testid="todo-more"]').hidden = !nextCursor;
}

async function loadTodos(more = false) {
  const list = $('[data-testid="todo-list"]');
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (more && nextCursor) query.set("cursor", nextCursor);
  const page = await api("GET", `todos?${query}`);
  if (!more) list.replaceChildren();
  for (const todo of page.items) {
    if (!list.querySelector(`li[data-id="${CSS.escape(todo.id)}"]`)) list.append(renderTodo(todo));
  }
  nextCursor = page.next || null;
  updateEmpty();
}

async function toggle(todo, box, li) {
  box.disabled = true;
  try {
    const saved = await api("PATCH", `todos/${encodeURIComponent(todo.id)}`, { done: box.checked });
    Object.assign(todo, saved);
    li.className = saved.done ? "done" : "";
    showStatus(saved.done ? `Completed “${saved.title}”` : `Reopened “${saved.title}”`);
    showError("");
  } catch (err) {
    box.checked = !box.checked;
    showError(describe(err));
  } finally {
    box.disabled = false;
  }
}

async function remove(todo, li) {
  try {
    await api("DELETE", `todos/${encodeURIComponent(todo.id)}`);
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    updateEmpty();
    (next ? $("input", next) : $('[data-testid="todo-title"]')).focus();
    showStatus(`Deleted “${todo.title}”`);
    showError("");
  } catch (err) {
    showError(describe(err));
  }
}

// ---------------------------------------------------------------- files
function humanSize(n) {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v.toFixed(1)} ${units[i]}`;
}

async function loadFiles() {
  const items = [];
  let cursor = null;
  do {
    const page = await api("GET", cursor ? `files?cursor=${encodeURIComponent(cursor)}` : "files");
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  const list = $('[data-testid="file-list"]');
  list.replaceChildren(...items.map((f) => {
    const li = document.createElement("li");
    li.dataset.testid = "file-item";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = f.name;
    const size = document.createElement("span");
    size.className = "size";
    size.textContent = humanSize(f.size);
    li.append(name, size);
    return li;
  }));
  $('[data-testid="file-empty"]').hidden = items.length > 0;
}

// S3 takes a form POST: every signed field first, the file LAST (S3 ignores fields after it).
// XMLHttpRequest rather than fetch, because only XHR reports upload progress.
function postToS3(grant, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(grant.fields || {})) form.append(k, v);
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open(grant.method || "POST", grant.url);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const msg = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText || "");
      reject(new ApiError(xhr.status, "Storage", msg ? msg[1] : `upload failed (HTTP ${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error("upload failed: the storage endpoint could not be reached"));
    xhr.send(form);
  });
}

async function upload(file) {
  const bar = $('[data-testid="file-progress"]');
  const grant = await api("POST", "files/upload-url", {
    name: file.name,
    content_type: file.type || "application/octet-stream",
    size: file.size,
  });
  bar.hidden = false;
  bar.value = 0;
  try {
    await postToS3(grant, file, (f) => { bar.value = Math.round(f * 100); });
  } finally {
    bar.hidden = true;
  }
}

// ---------------------------------------------------------------- wiring
function busy(form, fn) {
  return async (event) => {
    event.preventDefault();
    const button = $('button[type="submit"]', form);
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    showError("");
    showStatus("");
    try {
      await fn(new FormData(form));
    } catch (err) {
      showError(describe(err));
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  };
}

async function enterApp() {
  show("app");
  await Promise.all([loadTodos(), loadFiles()]);
}

function wire() {
  for (const button of document.querySelectorAll("[data-goto]")) {
    button.addEventListener("click", () => { showError(""); show(button.dataset.goto); });
  }
  $('[data-testid="sign-out"]').addEventListener("click", () => signOut(""));
  $('[data-testid="hosted-signin"]').addEventListener("click", () => hostedSignIn().catch((e) => showError(describe(e))));

  const signup = $('[data-testid="signup-form"]');
  signup.addEventListener("submit", busy(signup, async (data) => {
    const email = String(data.get("email")).trim();
    const res = await cognito("SignUp", {
      ClientId: config.clientId,
      Username: email,
      Password: String(data.get("password")),
      UserAttributes: [{ Name: "email", Value: email }],
    });
    $("#signin-email").value = email;
    if (res.UserConfirmed) {
      showStatus("Account created. Sign in.");
      show("signin");
    } else {
      $('[data-testid="confirm-email"]').textContent = email;
      showStatus(`We sent a confirmation code to ${email}.`);
      show("confirm");
    }
  }));

  const confirm = $('[data-testid="confirm-form"]');
  confirm.addEventListener("submit", busy(confirm, async (data) => {
    const email = $('[data-testid="confirm-email"]').textContent;
    await cognito("ConfirmSignUp", {
      ClientId: config.clientId,
      Username: email,
      ConfirmationCode: String(data.get("code")).trim(),
    });
    showStatus("Email confirmed. Sign in.");
    show("signin");
  }));

  const signin = $('[data-testid="signin-form"]');
  signin.addEventListener("submit", busy(signin, async (data) => {
    await signIn(String(data.get("email")).trim(), String(data.get("password")));
    signin.reset();
    showStatus("Signed in.");
    await enterApp();
  }));

  const add = $('[data-testid="todo-form"]');
  add.addEventListener("submit", busy(add, async (data) => {
    const body = { title: String(data.get("title")).trim() };
    if (data.get("due")) body.due = String(data.get("due"));
    const todo = await api("POST", "todos", body);
    const list = $('[data-testid="todo-list"]');
    // A list load that was in flight may already show the new to-do: never show it twice.
    list.querySelector(`li[data-id="${CSS.escape(todo.id)}"]`)?.remove();
    list.prepend(renderTodo(todo));
    updateEmpty();
    const title = $('[data-testid="todo-title"]');
    if (title.value.trim() === body.title) add.reset(); // keep whatever was typed meanwhile
    title.focus();
    showStatus(`Added “${todo.title}”`);
  }));

  $('[data-testid="todo-more"]').addEventListener("click", () => loadTodos(true).catch((e) => showError(describe(e))));

  const files = $('[data-testid="file-form"]');
  files.addEventListener("submit", busy(files, async () => {
    const file = $('[data-testid="file-input"]').files[0];
    if (!file) throw new Error("Choose a file first.");
    await upload(file);
    files.reset();
    showStatus(`Uploaded ${file.name}`);
    await loadFiles();
  }));
}

async function main() {
  wire();
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
    config = await res.json();
    if (!config.apiUrl || !config.clientId) throw new Error("config.json lacks apiUrl or clientId: is the todo stack deployed?");
    if (!config.apiUrl.endsWith("/")) config.apiUrl += "/"; // relative paths resolve under the stage
  } catch (err) {
    showError(`Cannot start: ${describe(err)}`);
    document.body.dataset.ready = "error";
    return;
  }
  $('[data-testid="hosted-box"]').hidden = !config.hostedUiUrl;
  let hosted = false;
  try {
    hosted = await finishHostedSignIn();
  } catch (err) {
    show("signin");
    showError(describe(err));
    document.body.dataset.ready = "true";
    return;
  }
  if (hosted) showStatus("Signed in.");
  if (tokens()?.idToken) {
    enterApp().catch((err) => showError(describe(err)));
  } else {
    show("signin");
  }
  document.body.dataset.ready = "true";
}

main();
