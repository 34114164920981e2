// MyBlog reader site: language cookie, subscribe form, comments. No framework, no inline
// script (the site's CSP is `script-src 'self'`), no third-party requests.
// The API base comes from <meta name="blog-api"> (default "/api": CloudFront routes /api/*
// to the API on the site's own origin); Cognito settings for commenting from /config.json.
"use strict";

(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const TOKENS_KEY = "myblog.tokens";
  const LANG_COOKIE_MAX_AGE = 365 * 24 * 3600;
  const apiBase = ($('meta[name="blog-api"]')?.content || "/api").replace(/\/$/, "");

  function apiUrl(path) {
    return new URL(apiBase + path, location.href);
  }

  async function call(method, path, body, token) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = token;
    const res = await fetch(apiUrl(path), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!res.ok) {
      const err = new Error((data && data.message) || `HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  // ------------------------------------------------------------ language switch
  // The edge reads the `lang` cookie before Accept-Language, so a reader's choice sticks.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[data-set-lang]");
    if (!link) return;
    const secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = `lang=${link.dataset.setLang}; Path=/; Max-Age=${LANG_COOKIE_MAX_AGE}; SameSite=Lax${secure}`;
  });

  // ------------------------------------------------------------ subscribe
  const subscribe = $('[data-testid="subscribe"]');
  if (subscribe) {
    subscribe.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = $('[data-testid="subscribe-status"]', subscribe);
      const button = $("button", subscribe);
      const body = { email: subscribe.email.value.trim(), lang: subscribe.dataset.lang };
      const name = subscribe.elements.name.value.trim();
      if (name) body.name = name;
      button.disabled = true;
      try {
        await call("POST", "/subscriptions", body);
        status.textContent = subscribe.dataset.sent;
        subscribe.reset();
      } catch (err) {
        status.textContent = `${subscribe.dataset.failed} ${err.message}`;
      } finally {
        button.disabled = false;
      }
    });
  }

  // ------------------------------------------------------------ comments
  const section = $('[data-testid="comments"]');
  if (!section) return;
  const slug = section.dataset.slug;
  const list = $('[data-testid="comment-list"]', section);
  const status = $('[data-testid="comments-status"]', section);
  const signin = $('[data-testid="comment-signin"]', section);
  const form = $('[data-testid="comment-form"]', section);
  let config = null;

  function tokens() {
    try { return JSON.parse(sessionStorage.getItem(TOKENS_KEY)); } catch { return null; }
  }

  function showForms() {
    const current = tokens();
    form.hidden = !current;
    signin.hidden = Boolean(current) || !config;
    if (current) $('[data-testid="comment-whoami"]', form).textContent = `${section.dataset.signedIn} ${current.email}`;
  }

  function renderComment(comment) {
    const item = document.createElement("li");
    item.dataset.testid = "comment";
    const who = document.createElement("div");
    who.className = "who";
    who.textContent = `${comment.author} · ${String(comment.created_at).slice(0, 10)}`;
    const text = document.createElement("div");
    text.innerHTML = comment.html; // sanitised by the API (nh3 allow-list)
    item.append(who, text);
    return item;
  }

  async function loadComments() {
    try {
      const page = await call("GET", `/posts/${encodeURIComponent(slug)}/comments`);
      list.replaceChildren(...page.items.map(renderComment));
      status.textContent = page.items.length ? "" : section.dataset.empty;
    } catch (err) {
      status.textContent = `${section.dataset.failed} ${err.message}`;
    }
  }

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
    if (!res.ok) throw new Error(data.message || data.Message || `HTTP ${res.status}`);
    return data;
  }

  async function signIn() {
    const email = signin.email.value.trim();
    const data = await cognito("InitiateAuth", {
      ClientId: config.clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: email, PASSWORD: signin.password.value },
    });
    if (!data.AuthenticationResult) throw new Error(`sign-in needs ${data.ChallengeName}`);
    sessionStorage.setItem(TOKENS_KEY, JSON.stringify({ email, idToken: data.AuthenticationResult.IdToken }));
    signin.reset();
    $('[data-testid="comment-confirm"]', signin).hidden = true;
    status.textContent = "";
    showForms();
  }

  async function attempt(work) {
    try { await work(); } catch (err) { status.textContent = err.message; }
  }

  signin.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(signIn);
  });

  // A new reader: SignUp mails a code (the pool verifies e-mail), ConfirmSignUp, then sign in.
  $('[data-action="signup"]', signin).addEventListener("click", () => attempt(async () => {
    if (!signin.reportValidity()) return;
    const email = signin.email.value.trim();
    await cognito("SignUp", {
      ClientId: config.clientId, Username: email, Password: signin.password.value,
      UserAttributes: [{ Name: "email", Value: email }],
    });
    $('[data-testid="comment-confirm"]', signin).hidden = false;
    status.textContent = section.dataset.codeSent;
  }));

  $('[data-action="confirm"]', signin).addEventListener("click", () => attempt(async () => {
    await cognito("ConfirmSignUp", {
      ClientId: config.clientId, Username: signin.email.value.trim(),
      ConfirmationCode: signin.code.value.trim(),
    });
    await signIn();
  }));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const created = await call("POST", `/posts/${encodeURIComponent(slug)}/comments`, { body: form.body.value }, tokens()?.idToken);
      form.reset();
      // The answer is the stored comment: shown at once (a list read now could come from a
      // cache that still lacks it, as comment lists may be kept for a few seconds).
      list.append(renderComment(created));
      status.textContent = "";
    } catch (err) {
      if (err.status === 401) {
        sessionStorage.removeItem(TOKENS_KEY);
        showForms();
      }
      // 403 here is the edge's web ACL (AWS WAF's cross-site-scripting rules on the body).
      status.textContent = err.status === 403 ? section.dataset.refused : err.message;
    }
  });

  $('[data-action="signout"]', form).addEventListener("click", () => {
    sessionStorage.removeItem(TOKENS_KEY);
    showForms();
  });

  fetch(new URL("/config.json", location.href))
    .then((res) => (res.ok ? res.json() : null))
    .catch(() => null)
    .then((found) => {
      config = found && found.clientId ? found : null;
      showForms();
    });
  loadComments();
})();
