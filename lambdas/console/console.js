// The wallet's operators' console: one page, no framework, nothing loaded from another host.
// It reads and acts through the same HTTP API as every client; each action carries an idempotency key
// the page generated and shows, kept until the form changes, so a double click or a resubmitted form
// replays the first answer instead of moving money again.
"use strict";

(() => {
  const view = document.getElementById("view");
  const statusBox = document.getElementById("status");
  const session = document.getElementById("session");
  const apiRoot = new URL("../", document.baseURI); // the page's base is <api>/console/
  const TOKEN = "wallet.console.token";
  const PKCE = "wallet.console.pkce";
  let config = { signIn: "none", assets: [{ code: "USD", scale: 2 }], systemAccounts: [] };
  let token = sessionStorage.getItem(TOKEN);

  // ---- building the page (text only: nothing from the API becomes markup)

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function table(caption, headings, rows, numeric = []) {
    if (!rows.length) return el("p", { class: "muted" }, `${caption}: none.`);
    const head = el("tr", {}, headings.map((h, i) => el("th", { scope: "col", class: numeric.includes(i) ? "num" : null }, h)));
    const body = rows.map((cells) => el("tr", {}, cells.map((c, i) => el("td", { class: numeric.includes(i) ? "num" : null }, c))));
    return el("div", { class: "table-wrap" },
      el("table", {}, el("caption", { class: "visually-hidden" }, caption), el("thead", {}, head), el("tbody", {}, body)));
  }

  const userLink = (id) => el("a", { href: `#/users/${encodeURIComponent(id)}` }, id);
  const movementLink = (id) => el("a", { href: `#/transactions/${encodeURIComponent(id)}`, class: "key" }, id);
  const when = (iso) => el("time", { datetime: iso }, new Date(iso).toLocaleString());
  const party = (side) => (side.userId ? userLink(side.userId) : `${side.systemAccount} (system)`);

  function show(kind, ...message) {
    statusBox.replaceChildren(el("div", { class: `notice ${kind}` }, ...message));
  }

  function clearStatus() {
    statusBox.replaceChildren();
  }

  // ---- the API

  class ApiError extends Error {
    constructor(status, code, message, retryAfter) {
      super(message);
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(new URL(path, apiRoot), {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "UNREACHABLE", "The server did not answer.", null);
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      const message = error.message || (data && data.message) || response.statusText || "No explanation given.";
      throw new ApiError(response.status, error.code || "", message, response.headers.get("Retry-After"));
    }
    return { data, replayed: response.headers.get("Idempotent-Replayed") === "true" };
  }

  // What happened, as a person reads it: declined, wait, not allowed, or the server is not there.
  function explain(error) {
    if (!(error instanceof ApiError)) return `Something went wrong in this page: ${error.message}`;
    if (error.status === 0) {
      return "The server did not answer. Check that the wallet API is running and reachable, then try again; " +
        "an action sent again keeps its idempotency key, so it cannot move money twice.";
    }
    if (error.status === 429) {
      const wait = Number(error.retryAfter) || 1;
      return `Too many requests for this account right now. Wait ${wait} second${wait === 1 ? "" : "s"}, ` +
        "then send it again (same key: it will happen once).";
    }
    if (error.code === "INSUFFICIENT_FUNDS") return `Declined: ${error.message}`;
    if (error.status === 401) return "Your sign-in has expired or is missing: sign in again.";
    if (error.status === 403) return `Not allowed: ${error.message}`;
    if (error.status === 409 && error.code === "IDEMPOTENCY_KEY_IN_USE") {
      return "The same action is still being processed. Wait a moment and send it again: it will happen once.";
    }
    if (error.status >= 500) {
      return `The server failed (${error.status}): ${error.message} Try again; the same key makes it happen once.`;
    }
    return `${error.status === 409 ? "Refused" : "Not accepted"}: ${error.message}`;
  }

  // ---- actions: a form whose key stays until its fields change

  const newKey = () => `console-${crypto.randomUUID()}`;

  function actionForm({ legend, fields, submit, send, done }) {
    let key = newKey();
    let sent = false; // answered: the same values again replay the same key
    let busy = false;
    const keyOut = el("output", { class: "key", "aria-label": "Idempotency key" }, key);
    const button = el("button", { type: "submit" }, submit);
    const form = el("form", { class: "inline action", novalidate: true },
      el("fieldset", {}, el("legend", {}, legend),
        el("div", { class: "row" }, fields, button),
        el("p", { class: "muted" }, "Idempotency key: ", keyOut)));
    form.addEventListener("input", () => {
      if (sent) {
        key = newKey();
        keyOut.textContent = key;
        sent = false;
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (busy) return; // a double click sends once
      busy = true;
      form.dataset.state = "sending"; // tests wait for "answered"
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      try {
        const values = Object.fromEntries(new FormData(form).entries());
        const answer = await send(values, key);
        sent = true;
        show("ok", `${legend}: done. `, answer.replayed
          ? `Already done with key ${key}: the first answer is shown again and nothing moved twice.`
          : `Key ${key}.`);
        if (done) await done(answer);
      } catch (error) {
        show("error", explain(error));
      } finally {
        busy = false;
        button.disabled = false;
        button.removeAttribute("aria-busy");
        form.dataset.state = "answered";
      }
    });
    if (!canAct()) {
      button.disabled = true;
      form.append(el("p", { class: "muted" }, "Acting needs the admin scope; you can read only."));
    }
    return form;
  }

  function input(label, name, attributes = {}) {
    return el("label", {}, label, el("input", { name, ...attributes }));
  }

  function select(label, name, options, selected) {
    return el("label", {}, label, el("select", { name },
      options.map((option) => el("option", { value: option, selected: option === selected }, option))));
  }

  const assetCodes = () => config.assets.map((asset) => asset.code);
  const amountPattern = "[0-9]+(\\.[0-9]+)?";
  const optional = (value) => (value && value.trim() ? value.trim() : undefined);

  // ---- sign-in (AWS, JWT mode): OpenID Connect authorization code with PKCE, token kept for this tab

  function claims() {
    try {
      return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    } catch {
      return {};
    }
  }

  function canAct() {
    if (config.signIn === "none") return true;
    const scopes = String(claims().scope || "").split(" ");
    return Boolean(config.adminScope) && scopes.includes(config.adminScope);
  }

  async function discovery() {
    const response = await fetch(`${config.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
    return response.json();
  }

  const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

  async function signIn() {
    const provider = await discovery();
    const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
    const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
    const scopes = ["openid", config.readScope, config.adminScope].filter(Boolean).join(" ");
    const url = new URL(provider.authorization_endpoint);
    Object.entries({
      response_type: "code", client_id: config.clientId, redirect_uri: redirectUri(), scope: scopes,
      state, code_challenge: challenge, code_challenge_method: "S256",
    }).forEach(([name, value]) => url.searchParams.set(name, value));
    window.location.assign(url);
  }

  const redirectUri = () => `${window.location.origin}${window.location.pathname}`;

  async function finishSignIn(params) {
    const pending = JSON.parse(sessionStorage.getItem(PKCE) || "{}");
    sessionStorage.removeItem(PKCE);
    window.history.replaceState(null, "", redirectUri());
    if (!pending.state || pending.state !== params.get("state")) throw new Error("the sign-in's state did not match");
    const provider = await discovery();
    const response = await fetch(provider.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code", code: params.get("code"), client_id: config.clientId,
        redirect_uri: redirectUri(), code_verifier: pending.verifier,
      }),
    });
    const answer = await response.json();
    if (!response.ok || !answer.access_token) throw new Error(answer.error_description || "no token was issued");
    token = answer.access_token;
    sessionStorage.setItem(TOKEN, token);
  }

  function renderSession() {
    if (config.signIn === "none") {
      session.replaceChildren("Local: no sign-in");
    } else if (config.signIn === "jwt" && token) {
      session.replaceChildren(`Signed in as ${claims().sub || "?"}${canAct() ? " (admin)" : " (read only)"}`,
        el("button", {
          type: "button", class: "secondary",
          onclick: () => { sessionStorage.removeItem(TOKEN); token = null; route(); },
        }, "Sign out"));
    } else if (config.signIn === "jwt") {
      session.replaceChildren(el("button", { type: "button", onclick: () => signIn().catch(failed) }, "Sign in"));
    } else {
      session.replaceChildren();
    }
  }

  // ---- pages

  function home() {
    const userForm = el("form", { class: "inline" },
      input("User id", "userId", { required: true, autocomplete: "off" }),
      el("button", { type: "submit" }, "Open user"));
    userForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const id = new FormData(userForm).get("userId").trim();
      if (id) window.location.hash = `#/users/${encodeURIComponent(id)}`;
    });
    const movementForm = el("form", { class: "inline" },
      input("Transaction id", "transactionId", { required: true, autocomplete: "off" }),
      el("button", { type: "submit" }, "Open transaction"));
    movementForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const id = new FormData(movementForm).get("transactionId").trim();
      if (id) window.location.hash = `#/transactions/${encodeURIComponent(id)}`;
    });
    return [el("h2", { tabindex: "-1" }, "Find a user or a transaction"),
      el("section", {}, userForm), el("section", {}, movementForm)];
  }

  // An action's form stays as it was sent (its key with it) while the data around it is read again.
  async function refreshing(load) {
    document.body.dataset.view = "loading";
    try {
      await load();
    } finally {
      document.body.dataset.view = "ready";
    }
  }

  async function userPage(userId) {
    const path = `users/${encodeURIComponent(userId)}`;
    const balancesBox = el("div");
    const chartsBox = el("div", { class: "charts" });
    const historyBox = el("div");
    const holdsBox = el("div");
    const refresh = () => refreshing(load);

    async function load() {
      const [{ data: balances }, { data: holds }] = await Promise.all([
        api("GET", `${path}/balances`), api("GET", `${path}/holds?status=pending&limit=50`),
      ]);
      balancesBox.replaceChildren(table("Balances per asset", ["Asset", "Balance", "Held", "Available"],
        balances.balances.map((b) => [b.currency, b.balance, b.held ?? "–", b.available ?? "–"]), [1, 2, 3]));
      holdsBox.replaceChildren(table("Open holds", ["Hold", "Amount", "Expires", "Description", "Actions"],
        holds.items.map((hold) => [el("span", { class: "key" }, hold.holdId), `${hold.amount} ${hold.currency}`,
          when(hold.expiresAt), hold.description || "", holdActions(hold, refresh)]), [1]));
      chartsBox.replaceChildren();
      await Promise.all([
        drawCharts(chartsBox, userId, balances.balances),
        history(historyBox, userId, balances.balances[0]?.currency || "USD"),
      ]);
    }

    view.replaceChildren( // placed first: each chart takes its column's width
      el("h2", { tabindex: "-1" }, `User ${userId}`),
      el("section", {}, el("h3", {}, "Balances"), balancesBox),
      el("section", {}, el("h3", {}, "Balance over time"), chartsBox),
      el("section", {}, el("h3", {}, "History"), historyBox),
      el("section", {}, el("h3", {}, "Open holds"), holdsBox),
      el("section", {}, el("h3", {}, "Manual movement"), manualMovement(userId, refresh)),
    );
    await load();
  }

  function manualMovement(userId, refresh) {
    return actionForm({
      legend: "Manual credit or debit",
      submit: "Send",
      fields: [
        select("Type", "type", ["credit", "debit"], "credit"),
        select("Asset", "currency", assetCodes(), "USD"),
        input("Amount", "amount", { required: true, inputmode: "decimal", pattern: amountPattern }),
        input("Reason", "description", { required: true, maxlength: 256 }),
      ],
      send: (values, key) => api("POST", "transactions", {
        idempotentKey: key, userId, type: values.type, currency: values.currency,
        amount: values.amount.trim(), description: values.description.trim() || undefined,
      }),
      done: refresh,
    });
  }

  function holdActions(hold, refresh) {
    const capture = actionForm({
      legend: `Capture ${hold.holdId}`,
      submit: "Capture",
      fields: [input("Amount (empty: all)", "amount", { inputmode: "decimal", pattern: amountPattern })],
      send: (values, key) => api("POST", `holds/${encodeURIComponent(hold.holdId)}/capture`,
        { idempotentKey: key, amount: optional(values.amount) }),
      done: refresh,
    });
    const voidForm = actionForm({
      legend: `Void ${hold.holdId}`,
      submit: "Void",
      fields: [],
      send: (_, key) => api("POST", `holds/${encodeURIComponent(hold.holdId)}/void`, { idempotentKey: key }),
      done: refresh,
    });
    return el("div", {}, capture, voidForm);
  }

  // Each asset's balance after each of its latest 100 entries, oldest first. Every figure is placed before
  // any is drawn, so each chart takes its own column's width.
  async function drawCharts(box, userId, balances) {
    const figures = balances.map((balance) => {
      const figure = el("figure", { class: "chart", role: "group", "aria-label": `${balance.currency} balance over time` });
      box.append(figure);
      return figure;
    });
    await Promise.all(balances.map(async (balance, index) => {
      const figure = figures[index];
      const { data } = await api("GET",
        `users/${encodeURIComponent(userId)}/transactions?currency=${balance.currency}&limit=100`);
      const points = data.items.slice().reverse();
      const caption = points.length
        ? `${balance.currency}: ${points.length} entries from ${new Date(points[0].createdAt).toLocaleString()}` +
          ` to ${new Date(points[points.length - 1].createdAt).toLocaleString()}; now ${balance.balance}.`
        : `${balance.currency}: no movements yet; the balance is ${balance.balance}.`;
      figure.append(el("figcaption", {}, el("p", {}, caption)));
      if (points.length && window.uPlot) {
        // eslint-disable-next-line no-new
        new window.uPlot({
          width: Math.max(200, figure.clientWidth - 20), height: 180,
          series: [{}, { label: balance.currency, stroke: "#0b57d0", width: 2, points: { show: points.length < 40 } }],
          axes: [{}, { size: 100 }],
          scales: { x: { time: true } },
          legend: { show: false },
        }, [points.map((p) => Date.parse(p.createdAt) / 1000), points.map((p) => Number(p.balanceAfter))], figure);
      }
    }));
  }

  // The history of one asset, a page at a time, optionally within a time window.
  async function history(box, userId, currency) {
    const state = { currency, from: "", to: "", cursors: [null], page: 0 };
    const filters = el("form", { class: "inline" },
      select("Asset", "currency", assetCodes(), currency),
      input("From", "from", { type: "datetime-local" }),
      input("To", "to", { type: "datetime-local" }),
      el("button", { type: "submit" }, "Show"));
    const results = el("div");
    box.replaceChildren(filters, results);
    const instant = (local) => (local ? new Date(local).toISOString() : "");

    async function load() {
      const query = new URLSearchParams({ currency: state.currency, limit: "20" });
      if (state.from) query.set("from", instant(state.from));
      if (state.to) query.set("to", instant(state.to));
      const cursor = state.cursors[state.page];
      if (cursor) query.set("cursor", cursor);
      const { data } = await api("GET", `users/${encodeURIComponent(userId)}/transactions?${query}`);
      state.cursors[state.page + 1] = data.nextCursor;
      const pager = el("div", { class: "row" },
        el("button", {
          type: "button", class: "secondary", disabled: state.page === 0,
          onclick: () => { state.page -= 1; load().catch(failed); },
        }, "Newer"),
        el("button", {
          type: "button", class: "secondary", disabled: !data.nextCursor,
          onclick: () => { state.page += 1; load().catch(failed); },
        }, "Older"),
        el("span", { class: "muted" }, `Page ${state.page + 1}`));
      results.replaceChildren(
        table(`History in ${state.currency}`, ["When", "Type", "Amount", "Balance after", "Counterparty", "Description", "Transaction"],
          data.items.map((e) => [when(e.createdAt), e.type, e.amount, e.balanceAfter, e.counterparty,
            e.description || "", movementLink(e.transactionId)]), [2, 3]),
        pager);
    }

    filters.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(filters).entries());
      Object.assign(state, { currency: values.currency, from: values.from, to: values.to, cursors: [null], page: 0 });
      load().catch(failed);
    });
    await load();
  }

  async function transactionPage(transactionId) {
    const factsBox = el("section");
    const postingsBox = el("div");
    const entriesBox = el("div");
    let movement = null;

    async function load() {
      const { data: m } = await api("GET", `transactions/${encodeURIComponent(transactionId)}`);
      movement = m;
      const facts = [
        ["Type", m.type], ["Transaction", el("span", { class: "key" }, m.transactionId)],
        ["Idempotency key", el("span", { class: "key" }, m.idempotentKey)], ["Created", when(m.createdAt)],
        ["Description", m.description || "–"],
        ["Metadata", m.metadata ? Object.entries(m.metadata).map(([k, v]) => `${k}=${v}`).join(", ") : "–"],
        ["Reverses", m.reversalOf ? movementLink(m.reversalOf) : "–"],
        ["Reversed so far", m.reversed.length ? m.reversed.map((r) => `${r.amount} ${r.currency}`).join(", ") : "nothing"],
      ];
      factsBox.replaceChildren(el("dl", { class: "facts" },
        facts.map(([name, value]) => el("div", {}, el("dt", {}, name), el("dd", {}, value)))));
      postingsBox.replaceChildren(table("Postings", ["From", "To", "Amount"],
        m.postings.map((p) => [party(p.from), party(p.to), `${p.amount} ${p.currency}`]), [2]));
      entriesBox.replaceChildren(table("Ledger entries", ["User", "Type", "Amount", "Balance after", "Entry"],
        m.entries.map((e) => [userLink(e.userId), e.type, `${e.amount} ${e.currency}`, e.balanceAfter, `#${e.sequence}`]),
        [2, 3]));
    }

    await load();
    const reverse = actionForm({
      legend: "Reverse this transaction",
      submit: "Reverse",
      fields: [
        input("Amount (empty: all that is left)", "amount", { inputmode: "decimal", pattern: amountPattern }),
        input("Reason", "description", { required: true, maxlength: 256 }),
      ],
      send: (values, key) => api("POST", `transactions/${encodeURIComponent(transactionId)}/reversal`, {
        idempotentKey: key, amount: optional(values.amount), description: optional(values.description),
      }),
      done: () => refreshing(load),
    });
    view.replaceChildren(
      el("h2", { tabindex: "-1" }, `Transaction ${transactionId}`),
      factsBox,
      el("section", {}, el("h3", {}, "Postings"), postingsBox),
      el("section", {}, el("h3", {}, "Ledger entries"), entriesBox),
      movement.type !== "reversal" ? el("section", {}, el("h3", {}, "Reverse"), reverse) : null,
    );
  }

  async function systemPage() {
    const [{ data: accounts }, reconciliation] = await Promise.all([
      api("GET", "system-accounts"),
      api("GET", "reconciliation").then((answer) => answer.data).catch((error) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
    ]);
    const rows = accounts.accounts.flatMap((account) =>
      account.balances.map((b) => [account.name, b.currency, b.balance]));
    const books = reconciliation
      ? [
        el("p", {}, "Last run ", when(reconciliation.ranAt), `: ${reconciliation.items} items read. `,
          el("span", { class: `badge ${reconciliation.clean ? "ok" : "bad"}` },
            reconciliation.clean ? "Books balance" : `${reconciliation.differenceCount} differences`)),
        table("Sum of every account per asset", ["Asset", "Users + system accounts", "Check"],
          reconciliation.totals.map((t) => [t.currency, t.sum,
            el("span", { class: `badge ${Number(t.sum) === 0 ? "ok" : "bad"}` }, Number(t.sum) === 0 ? "sum = 0" : "does not sum to 0")]), [1]),
        reconciliation.differences.length
          ? el("ul", {}, reconciliation.differences.map((d) => el("li", {}, d))) : null,
      ]
      : [el("p", { class: "muted" }, "No reconciliation has run yet: make reconcile locally, the nightly run in AWS.")];
    view.replaceChildren(
      el("h2", { tabindex: "-1" }, "System accounts"),
      el("section", {}, table("System account balances", ["Account", "Asset", "Balance"], rows, [2])),
      el("section", {}, el("h3", {}, "Books check"), ...books),
    );
  }

  // ---- routing

  function failed(error) {
    show("error", explain(error));
  }

  // Draws the page the address names. keepStatus: an action's outcome stays shown over the refreshed page.
  async function route({ keepStatus = false, focus = false } = {}) {
    document.body.dataset.view = "loading"; // tests wait for "ready"
    renderSession();
    if (!keepStatus) clearStatus();
    if (config.signIn === "iam") {
      view.replaceChildren(el("h2", { tabindex: "-1" }, "The console needs JWT sign-in"),
        el("p", {}, "This deployment authorizes callers with IAM signatures, which a browser page cannot make. " +
          "Deploy with wallet:authMode=jwt (docs/console.md) to use the console."));
      document.body.dataset.view = "ready";
      return;
    }
    if (config.signIn === "jwt" && !token) {
      view.replaceChildren(el("h2", { tabindex: "-1" }, "Sign in"),
        el("p", {}, "Sign in with your organisation's account to use the console."),
        el("button", { type: "button", onclick: () => signIn().catch(failed) }, "Sign in"));
      document.body.dataset.view = "ready";
      return;
    }
    const [, section, id] = (window.location.hash.match(/^#\/([a-z]+)\/?(.*)$/) || []);
    view.replaceChildren(el("p", { "aria-busy": "true" }, "Loading…"));
    try {
      if (section === "users" && id) await userPage(decodeURIComponent(id));
      else if (section === "transactions" && id) await transactionPage(decodeURIComponent(id));
      else if (section === "system") await systemPage();
      else view.replaceChildren(...home());
    } catch (error) {
      view.replaceChildren(el("h2", { tabindex: "-1" }, "Could not load this page"),
        el("p", {}, explain(error)),
        el("button", { type: "button", onclick: () => route() }, "Try again"));
    }
    const heading = view.querySelector("h2");
    if (heading && focus) heading.focus(); // a keyboard user lands on what the link opened
    document.body.dataset.view = "ready";
  }

  async function start() {
    try {
      config = (await api("GET", "console/config.json")).data;
      const params = new URLSearchParams(window.location.search);
      if (config.signIn === "jwt" && params.has("code")) await finishSignIn(params);
    } catch (error) {
      renderSession();
      view.replaceChildren(el("h2", { tabindex: "-1" }, "The console could not start"), el("p", {}, explain(error)),
        el("button", { type: "button", onclick: () => start() }, "Try again"));
      document.body.dataset.view = "ready";
      return;
    }
    window.addEventListener("hashchange", () => route({ focus: true }));
    await route();
  }

  start();
})();
