// The mockserver console: one page that drives the mock through its admin API only (/__mock/…),
// so everything it does can be scripted with curl. Plain JS, no build step, no dependencies.
// Every value that came from a request (the journal) is put in the page as text, never as HTML.
"use strict";

const ADMIN = "/__mock";
const POLL_MS = 1000;
const JOURNAL_ROWS = 500; // rows kept in the page; the mock keeps its own ring
const TOKEN_KEY = "mockserver.adminToken";
const STICKY = "mock_sticky"; // the cookie the mock reads (namespaces.py)
const NAMESPACE_RE = /^[A-Za-z0-9._-]{1,64}$/;
const CURL_SKIPS = new Set(["host", "content-length", "connection", "accept-encoding", "origin",
  "referer", "user-agent", "cookie"]);

const state = {
  namespace: namespaceFromHash() || "default",
  status: null,
  lastId: 0,
  entries: new Map(),
  operations: new Map(), // operationId -> {status: [example names]}
  shown: {}, // last rendered JSON per panel, so an unchanged panel keeps its focus and selection
  busy: false,
};

const $ = (selector) => document.querySelector(selector);

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// -- the admin API ------------------------------------------------------------------------------
class AdminError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function admin(method, path, body, namespace = state.namespace) {
  const headers = {
    "Accept": "application/json",
    "Content-Type": "application/json",
    "X-Mock-Namespace": namespace,
  };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["X-Mock-Admin-Token"] = token;
  const response = await fetch(ADMIN + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (response.status === 401) {
    $("#token-form").hidden = false;
    throw new AdminError(401, "the mock wants an admin token");
  }
  if (!response.ok) throw new AdminError(response.status, messageOf(json, text));
  return unwrap(json);
}

// A flavor may wrap admin answers in its envelope ({statusCode, data, …}); the console wants data.
function unwrap(json) {
  const enveloped = json && typeof json === "object" && "data" in json && "statusCode" in json;
  return enveloped ? json.data : json;
}

function messageOf(json, text) {
  if (json && typeof json === "object") {
    const words = [json.code, json.message || json.detail || json.title].filter(Boolean);
    if (words.length) return words.join(": ");
  }
  return text.slice(0, 200) || "no answer";
}

// Buttons run one admin call, then refresh; the outcome goes to the status line.
async function act(label, method, path, body, namespace) {
  try {
    await admin(method, path, body, namespace);
    say(`${label}: done`);
  } catch (error) {
    say(`${label}: ${error.message}`, true);
  }
  state.shown = {};
  await tick();
}

// Bug-report bundles: the namespace as one JSON file (GET answers the bare document), and back.
async function exportBundle() {
  try {
    const bundle = await admin("GET", "/bundle");
    const blob = new Blob([JSON.stringify(bundle, null, 2)], { type: "application/json" });
    const link = h("a", { href: URL.createObjectURL(blob), download: `bundle-${state.namespace}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    say(`exported the bundle of ${state.namespace}`);
  } catch (error) {
    say(`export bundle: ${error.message}`, true);
  }
}

async function importBundle(event) {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  let bundle;
  try {
    bundle = JSON.parse(await file.text());
  } catch {
    say(`import bundle: ${file.name} is not JSON`, true);
    return;
  }
  forgetJournal();
  await act(`import ${file.name} into ${state.namespace}`, "PUT", "/bundle", bundle);
}

function say(text, isError = false) {
  const line = $("#status-line");
  line.textContent = text;
  line.classList.toggle("error", isError);
}

// -- namespaces ---------------------------------------------------------------------------------
function namespaceFromHash() {
  const wanted = new URLSearchParams(location.hash.slice(1)).get("namespace");
  return wanted && NAMESPACE_RE.test(wanted) ? wanted : null;
}

function useNamespace(name) {
  state.namespace = name;
  state.lastId = 0;
  state.shown = {};
  forgetJournal();
  history.replaceState(null, "", `#namespace=${encodeURIComponent(name)}`);
  tick();
}

function renderNamespaces(status) {
  const names = new Set(["default", state.namespace, ...(status.namespaces || [])]);
  for (const name of Object.keys(status.activeScenarios || {})) if (name !== "*") names.add(name);
  if (!changed("namespaces", [...names, state.namespace])) return;
  $("#namespace").replaceChildren(...[...names].sort().map((name) =>
    h("option", { value: name, selected: name === state.namespace }, name)));
}

// -- status and scenarios -----------------------------------------------------------------------
async function refreshStatus() {
  const status = await admin("GET", "");
  state.status = status;
  $("#spec-title").textContent = status.spec || "";
  renderNamespaces(status);
  renderScenarios(status);
  renderSticky();
  $("#journal-off").hidden = status.journalSize !== 0;
  $("#world-panel").hidden = !status.world;
  $("#clock-panel").hidden = !status.world;
}

function renderScenarios(status) {
  const active = status.activeScenarios || {};
  if (!changed("scenarios", [status.scenarios, active, state.namespace])) return;
  const rows = (status.scenarios || []).map((name) => h("tr", { "data-scenario": name },
    h("td", {}, name),
    h("td", {}, toggle(name, state.namespace, active[state.namespace] === name, "here")),
    h("td", {}, toggle(name, "*", active["*"] === name, "for everyone"))));
  $("#scenarios tbody").replaceChildren(...rows);
}

function toggle(name, namespace, on, where) {
  return h("button", {
    type: "button",
    "aria-pressed": on ? "true" : "false",
    class: on ? "on" : "",
    title: `${on ? "Switch off" : "Switch on"} ${name} ${where}`,
    onclick: () => act(`${name} ${on ? "off" : "on"} ${where}`, "PUT", "/scenario",
      { name: on ? null : name, namespace }),
  }, on ? `On ${where}` : `Off ${where}`);
}

// -- the sticky cookie --------------------------------------------------------------------------
function stickyChoice() {
  const found = document.cookie.split(";").map((part) => part.trim())
    .find((part) => part.startsWith(`${STICKY}=`));
  return found ? new URLSearchParams(found.slice(STICKY.length + 1)) : null;
}

function setSticky() {
  const choice = new URLSearchParams({ namespace: state.namespace });
  const scenario = $("#sticky-scenario").value;
  if (scenario) choice.set("scenario", scenario);
  document.cookie = `${STICKY}=${choice}; Path=/; SameSite=Lax; Max-Age=2592000`;
  state.shown.sticky = null;
  renderSticky();
  say("sticky choice set");
}

function clearSticky() {
  document.cookie = `${STICKY}=; Path=/; SameSite=Lax; Max-Age=0`;
  state.shown.sticky = null;
  renderSticky();
  say("sticky choice cleared");
}

function renderSticky() {
  const choice = stickyChoice();
  const scenarios = state.status ? state.status.scenarios || [] : [];
  if (!changed("sticky", [choice && choice.toString(), scenarios])) return;
  $("#sticky-now").textContent = choice
    ? `This browser: namespace ${choice.get("namespace") || "default"}, ` +
      `scenario ${choice.get("scenario") || "none"}`
    : "No sticky choice: pages that send no X-Mock-Namespace use the default namespace.";
  $("#sticky-clear").disabled = !choice;
  const picked = choice ? choice.get("scenario") || "" : $("#sticky-scenario").value;
  $("#sticky-scenario").replaceChildren(h("option", { value: "" }, "none"),
    ...scenarios.map((name) => h("option", { value: name, selected: name === picked }, name)));
  $("#sticky-hint").textContent = `Requests to this mock from pages on ${location.hostname} ` +
    "(any port) that send cookies (fetch with credentials: \"include\", or through a dev-server " +
    "proxy) and no X-Mock-Namespace act in the sticky namespace, with the sticky scenario.";
}

// -- the world and its clock --------------------------------------------------------------------
async function refreshWorld() {
  if (!state.status || !state.status.world) return;
  const world = await admin("GET", "/world");
  renderClock(world);
  if (!changed("world", [world.facts, world.tables])) return;
  const facts = h("dl", { class: "facts" }, ...(world.facts || []).map((fact) => [
    h("dt", {}, fact.label),
    h("dd", {}, fact.value, ...(fact.actions || []).map(actionButton)),
  ]));
  $("#world").replaceChildren(facts, ...(world.tables || []).map(worldTable));
}

function worldTable(table) {
  const counts = Object.entries(table.counts || {}).map(([word, n]) =>
    h("span", { class: n ? "chip" : "chip zero", "data-count": word }, `${word} ${n}`));
  const hasActions = (table.rows || []).some((row) => (row.actions || []).length);
  const head = h("tr", {}, ...table.columns.map((c) => h("th", {}, c)), hasActions ? h("th") : null);
  const rows = (table.rows || []).map((row) => h("tr", {},
    ...row.cells.map((cell) => h("td", { title: cell, class: /^(0x)?[0-9a-f-]{32,}$/i.test(cell) ? "id" : "" }, cell)),
    hasActions ? h("td", {}, ...(row.actions || []).map(actionButton)) : null));
  const more = table.more ? h("p", { class: "hint" }, `and ${table.more} more`) : null;
  const empty = rows.length ? null : h("p", { class: "hint" }, "none");
  return h("section", { class: "world-table", "data-table": table.title },
    h("h3", {}, table.title, " ", ...counts),
    rows.length ? h("table", {}, h("thead", {}, head), h("tbody", {}, ...rows)) : empty, more);
}

function actionButton(action) {
  return h("button", {
    type: "button",
    class: "small",
    onclick: () => act(action.label, action.method, action.path, action.body),
  }, action.label);
}

function renderClock(world) {
  $("#clock-now").textContent = world.now;
  $("#clock-state").textContent = world.frozen ? "frozen" : "running";
  $("#clock-freeze").disabled = world.frozen;
  $("#clock-resume").disabled = !world.frozen;
}

function advance(seconds) {
  if (!(seconds > 0)) return say("advance by a number of seconds above 0", true);
  return act(`clock +${seconds} s`, "POST", "/clock", { advance: seconds });
}

// -- runtime rules ------------------------------------------------------------------------------
async function refreshRules() {
  const listing = await admin("GET", "/rules");
  if (!changed("rules", listing.rules)) return;
  $("#rules tbody").replaceChildren(...listing.rules.map((rule) => h("tr", { "data-rule": rule.id },
    h("td", {}, rule.id),
    h("td", {}, rule.namespace === "*" ? "everyone" : rule.namespace),
    h("td", {}, h("code", {}, (rule.operations || []).join(", ")), h("br"), ruleDoes(rule)),
    h("td", {}, rule.remaining === null ? "∞" : rule.remaining),
    h("td", {}, rule.hits),
    h("td", {}, h("button", {
      type: "button", class: "small",
      onclick: () => act(`delete ${rule.id}`, "DELETE", `/rules/${encodeURIComponent(rule.id)}`),
    }, "Delete")))));
}

function ruleDoes(rule) {
  const words = [];
  if (rule.respond) words.push(`answer ${rule.respond.status}${rule.respond.example ? ` ${rule.respond.example}` : ""}`);
  if (rule.latency) words.push(`latency ${JSON.stringify(rule.latency)}`);
  if (rule.delay_ms) words.push(`delay ${rule.delay_ms} ms`);
  if (rule.fault) words.push(`fault ${typeof rule.fault === "string" ? rule.fault : JSON.stringify(rule.fault)}`);
  if (rule.match) words.push(`when ${JSON.stringify(rule.match)}`);
  return words.join("; ") || "nothing";
}

function ruleFromForm() {
  const rule = { operations: [value("#rule-operation")] };
  if (value("#rule-status")) {
    rule.respond = { status: Number(value("#rule-status")) };
    if (value("#rule-example")) rule.respond.example = value("#rule-example");
  }
  if (value("#rule-latency")) rule.latency = { fixedMs: Number(value("#rule-latency")) };
  if (value("#rule-fault")) rule.fault = value("#rule-fault");
  if (value("#rule-times")) rule.times = Number(value("#rule-times"));
  if (value("#rule-scope")) rule.namespace = value("#rule-scope");
  return rule;
}

function syncRuleJson() {
  $("#rule-json").value = JSON.stringify(ruleFromForm(), null, 2);
  const documented = state.operations.get(value("#rule-operation")) || {};
  fill("#rule-statuses", Object.keys(documented));
  fill("#rule-examples", documented[value("#rule-status")] || Object.values(documented).flat());
}

function value(id) {
  return $(id).value.trim();
}

const fill = (id, options) => $(id).replaceChildren(...options.map((o) => h("option", { value: o })));

async function addRule(event) {
  event.preventDefault();
  $("#rule-error").textContent = "";
  let rule;
  try {
    rule = JSON.parse($("#rule-json").value);
  } catch (error) {
    $("#rule-error").textContent = `not JSON: ${error.message}`;
    return;
  }
  try {
    const added = await admin("POST", "/rules", rule);
    say(`rule ${added.id} added`);
  } catch (error) {
    $("#rule-error").textContent = error.message;
  }
  state.shown.rules = null;
  await tick();
}

// The spec's operations and their documented statuses and examples, for the rule form's hints.
async function loadOperations() {
  try {
    const spec = await (await fetch("/openapi.json")).json();
    for (const item of Object.values(spec.paths || {})) {
      for (const operation of Object.values(item)) {
        if (!operation || !operation.operationId) continue;
        const documented = {};
        for (const [status, response] of Object.entries(operation.responses || {})) {
          documented[status] = Object.values(response.content || {})
            .flatMap((media) => Object.keys(media.examples || {}));
        }
        state.operations.set(operation.operationId, documented);
      }
    }
    fill("#operation-ids", [...state.operations.keys()].sort());
  } catch {
    // no spec document: the form still works, without hints
  }
}

// -- the journal --------------------------------------------------------------------------------
async function refreshJournal() {
  if ($("#journal-pause").checked) return;
  const since = state.lastId ? `&since=${state.lastId}` : "";
  const page = await admin("GET", `/requests?limit=200${since}`);
  const fresh = (page.requests || []).filter((entry) => entry.id > state.lastId).reverse();
  const body = $("#journal tbody");
  for (const entry of fresh) {
    state.lastId = Math.max(state.lastId, entry.id);
    state.entries.set(entry.id, entry);
    body.prepend(journalRow(entry));
  }
  while (body.rows.length > JOURNAL_ROWS) {
    state.entries.delete(Number(body.lastElementChild.dataset.id));
    body.lastElementChild.remove();
  }
}

// The journal as shown: the rows go, the last id stays (ids only grow, so nothing old returns).
function forgetJournal() {
  $("#journal tbody").replaceChildren();
  state.entries.clear();
  $("#entry").hidden = true;
}

function journalRow(entry) {
  const status = entry.response.status;
  const decided = entry.rule ? `${entry.decidedBy} ${entry.rule}` : entry.decidedBy;
  return h("tr", {
    "data-id": entry.id,
    class: status >= 500 ? "s5" : status >= 400 ? "s4" : "s2",
    tabindex: "0",
    onclick: () => openEntry(entry.id),
    onkeydown: (event) => event.key === "Enter" && openEntry(entry.id),
  },
  h("td", {}, entry.id),
  h("td", {}, entry.time.slice(11, 23)),
  h("td", {}, entry.request.method),
  h("td", { class: "path", title: entry.request.path }, entry.request.path),
  h("td", { class: "status" }, status, entry.fault ? ` ${entry.fault}` : ""),
  h("td", {}, entry.operationId || ""),
  h("td", { class: "decided" }, decided));
}

async function openEntry(id) {
  let entry = state.entries.get(id);
  try {
    entry = await admin("GET", `/requests/${id}`);
  } catch (error) {
    say(`request ${id}: ${error.message}`, true);
  }
  if (!entry) return;
  for (const row of $("#journal tbody").rows) row.classList.toggle("selected", row.dataset.id === String(id));
  $("#entry").hidden = false;
  $("#entry-id").textContent = `#${entry.id}`;
  $("#curl").textContent = curlOf(entry);
  const headers = entry.request.headers || {};
  $("#curl-hint").textContent = ["authorization", "cookie", "x-mock-admin-token"].some((k) => k in headers)
    ? "Credentials are cut to their first 8 characters in the journal: put yours back." : "";
  $("#entry-json").textContent = JSON.stringify(entry, null, 2);
}

function curlOf(entry) {
  const request = entry.request;
  const query = new URLSearchParams(request.query || {}).toString();
  const parts = ["curl", "-X", request.method, quote(location.origin + request.path + (query ? `?${query}` : ""))];
  for (const [name, value] of Object.entries(request.headers || {})) {
    if (!CURL_SKIPS.has(name) && !name.startsWith("sec-")) parts.push("-H", quote(`${name}: ${value}`));
  }
  if (!("x-mock-namespace" in (request.headers || {})) && entry.namespace !== "default") {
    parts.push("-H", quote(`X-Mock-Namespace: ${entry.namespace}`)); // it came by the sticky cookie
  }
  if (request.json !== undefined && request.json !== null) parts.push("--data-raw", quote(JSON.stringify(request.json)));
  else if (request.body) parts.push("--data-raw", quote(request.body));
  return parts.join(" ");
}

const quote = (text) => `'${String(text).replace(/'/g, "'\\''")}'`;

async function copyCurl() {
  const text = $("#curl").textContent;
  try {
    await navigator.clipboard.writeText(text);
    say("curl copied");
  } catch {
    const range = document.createRange();
    range.selectNodeContents($("#curl"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    say("curl selected: press Ctrl+C to copy");
  }
}

// -- the loop -----------------------------------------------------------------------------------
function changed(panel, data) {
  const json = JSON.stringify(data);
  if (state.shown[panel] === json) return false;
  state.shown[panel] = json;
  return true;
}

async function tick() {
  if (state.busy) {
    state.again = true; // an action happened while a refresh was under way: refresh once more
    return;
  }
  state.busy = true;
  state.again = false;
  try {
    await refreshStatus();
    const results = await Promise.allSettled([refreshWorld(), refreshRules(), refreshJournal()]);
    const failed = results.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    if ($("#status-line").classList.contains("error") && $("#status-line").dataset.poll) say("");
  } catch (error) {
    say(`cannot reach the admin API: ${error.message}`, true);
    $("#status-line").dataset.poll = "1";
    return;
  } finally {
    state.busy = false;
    if (state.again) setTimeout(tick, 0);
  }
  delete $("#status-line").dataset.poll;
}

function wire() {
  $("#namespace").addEventListener("change", (event) => useNamespace(event.target.value));
  $("#new-namespace").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("#new-namespace-name").value.trim();
    if (!NAMESPACE_RE.test(name)) return say("a namespace is 1-64 letters, digits, '.', '_' or '-'", true);
    $("#new-namespace-name").value = "";
    useNamespace(name);
    if (state.status && state.status.world) await act(`namespace ${name}`, "GET", "/world");
  });
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("#token").value);
    $("#token").value = "";
    $("#token-form").hidden = true;
    tick();
  });
  $("#sticky-set").addEventListener("click", setSticky);
  $("#sticky-clear").addEventListener("click", clearSticky);
  $("#clock-freeze").addEventListener("click", () => act("freeze", "POST", "/clock", { freeze: true }));
  $("#clock-resume").addEventListener("click", () => act("resume", "POST", "/clock", { unfreeze: true }));
  $("#clock-advance").addEventListener("submit", (event) => {
    event.preventDefault();
    advance(Number($("#advance-seconds").value));
  });
  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", () => advance(Number(button.dataset.advance)));
  }
  $("#reset").addEventListener("click", () => {
    forgetJournal();
    act(`reset ${state.namespace}`, "POST", "/reset");
  });
  $("#reset-all").addEventListener("click", () => {
    if (confirm("Reset every namespace: worlds, rules and journals?")) {
      forgetJournal();
      act("reset every namespace", "POST", "/reset", { namespace: "*" });
    }
  });
  $("#bundle-export").addEventListener("click", exportBundle);
  $("#bundle-import").addEventListener("change", importBundle);
  $("#rules-clear").addEventListener("click", () => act("delete rules", "DELETE", "/rules"));
  $("#rule-form").addEventListener("input", (event) => { if (event.target.id !== "rule-json") syncRuleJson(); });
  $("#rule-form").addEventListener("submit", addRule);
  $("#journal-clear").addEventListener("click", () => {
    forgetJournal();
    act("clear journal", "DELETE", "/requests");
  });
  $("#copy-curl").addEventListener("click", copyCurl);
  window.addEventListener("hashchange", () => {
    const wanted = namespaceFromHash();
    if (wanted && wanted !== state.namespace) useNamespace(wanted);
  });
}

wire();
syncRuleJson();
loadOperations();
tick();
setInterval(() => { if (!document.hidden) tick(); }, POLL_MS);
