// Lightbox review page: plain JavaScript, no libraries, no CDN. Talks to the review
// API at the page's own base URL (API Gateway serves the page; `lightbox review serve`
// proxies the API next to it), with the reviewer's token from sessionStorage.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { tasks: [], index: -1, cursor: null, detail: null, margin: 0, loads: 0 };
const TOKEN = "lightbox.review.token";

function token() { return sessionStorage.getItem(TOKEN) || ""; }

function say(text, kind) {
  const el = $("#status");
  el.textContent = text || "";
  el.className = kind || "";
}

// Requests in flight, on <body data-busy> (the page shows a busy cursor meanwhile).
let inFlight = 0;
function busy(delta) {
  inFlight += delta;
  document.body.dataset.busy = String(inFlight);
}

async function api(path, options) {
  busy(+1);
  try { return await request(path, options); } finally { busy(-1); }
}

async function request(path, options) {
  const response = await fetch(path, {
    ...(options || {}),
    headers: { "Authorization": "Bearer " + token(), "Content-Type": "application/json" },
  });
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (response.status === 401 || response.status === 403 && !(body && body.error)) {
    signOut("Your token was not accepted: sign in again.");
    throw new Error("unauthorized");
  }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : ("HTTP " + response.status);
    const err = new Error(message);
    err.status = response.status;
    throw err;
  }
  return body;
}

function claims() {
  try {
    const payload = token().split(".")[2].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload + "===".slice((payload.length + 3) % 4)));
  } catch (e) { return null; }
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN);
  $("#workspace").hidden = true;
  $("#signin").hidden = false;
  $("#signout").hidden = true;
  $("#who").textContent = "";
  say(message || "", message ? "error" : "");
}

function signIn() {
  const c = claims();
  if (!c) { signOut(token() ? "That is not a Lightbox reviewer token." : ""); return; }
  $("#who").textContent = c.sub + " · level " + c.lvl;
  $("#signin").hidden = true;
  $("#workspace").hidden = false;
  $("#signout").hidden = false;
  loadQueue(true);
}

function filterQuery() {
  const form = new FormData($("#filters"));
  const params = new URLSearchParams();
  for (const [k, v] of form.entries()) if (v) params.set(k, v);
  if (state.cursor) params.set("cursor", state.cursor);
  return params.toString();
}

async function loadQueue(reset) {
  if (reset) { state.tasks = []; state.cursor = null; state.index = -1; }
  const load = ++state.loads;  // a newer load (filters changed meanwhile) wins
  try {
    const page = await api("tasks?" + filterQuery());
    if (load !== state.loads) return;
    state.tasks = state.tasks.concat(page.items);
    state.cursor = page.next_cursor || null;
    $("#more").hidden = !state.cursor;
    renderQueue();
    if (state.index < 0 && state.tasks.length) select(0);
    if (!state.tasks.length) showEmpty("Nothing to review here.");
  } catch (e) { if (e.message !== "unauthorized") say(e.message, "error"); }
}

function renderQueue() {
  const list = $("#tasks");
  list.replaceChildren();
  state.tasks.forEach((t, i) => {
    const li = document.createElement("li");
    li.tabIndex = 0;
    li.dataset.index = i;
    li.className = i === state.index ? "selected" : "";
    li.innerHTML = "<b></b><span class='muted'></span>";
    li.querySelector("b").textContent = t.seller + "/" + t.sku;
    li.querySelector("span").textContent =
      " " + t.category + " · " + t.confidence.toFixed(2) + " · L" + t.level;
    li.addEventListener("click", () => select(i));
    list.appendChild(li);
  });
}

function showEmpty(text) {
  $("#detail").hidden = true;
  $("#empty").hidden = false;
  $("#empty").textContent = text;
}

function img(label, url, checker) {
  const figure = document.createElement("figure");
  const caption = document.createElement("figcaption");
  caption.textContent = label;
  if (url) {
    const image = document.createElement("img");
    image.src = url;
    image.alt = label;
    if (checker) image.className = "checker";
    image.addEventListener("click", () => zoom(url, checker));
    figure.appendChild(image);
  } else {
    const missing = document.createElement("div");
    missing.className = "missing";
    missing.textContent = "not available";
    figure.appendChild(missing);
  }
  figure.appendChild(caption);
  return figure;
}

function zoom(url, checker) {
  const box = $("#zoom");
  const image = box.querySelector("img");
  image.src = url;
  image.className = checker ? "checker" : "";
  box.hidden = false;
}

async function select(i) {
  if (i < 0 || i >= state.tasks.length) return;
  state.index = i;
  renderQueue();
  closeForms();
  try {
    const wanted = state.tasks[i].task_id;
    const d = await api("tasks/" + encodeURIComponent(wanted));
    const current = state.tasks[state.index];
    if (!current || current.task_id !== wanted) return;  // the reviewer moved on meanwhile
    state.detail = d;
    showDetail(d);
  } catch (e) { if (e.message !== "unauthorized") say(e.message, "error"); }
}

function showDetail(d) {
  $("#empty").hidden = true;
  $("#detail").hidden = false;
  $("#title").textContent = d.seller + " / " + d.sku + " — " + d.category;
  $("#meta").textContent = "confidence " + d.confidence.toFixed(2) + " · level " + d.level +
    " (" + d.assignee + ") · " + d.status + " · escalates " + new Date(d.expires_at).toLocaleString();
  const blocking = $("#blocking");
  blocking.hidden = d.approvable;
  blocking.replaceChildren();
  if (!d.approvable) {
    const h = document.createElement("strong");
    h.textContent = "Approve cannot publish this listing:";
    const ul = document.createElement("ul");
    d.blocking.forEach((b) => { const li = document.createElement("li"); li.textContent = b; ul.appendChild(li); });
    blocking.append(h, ul);
  }
  const images = $("#images");
  images.replaceChildren(img("original", d.original_url), img("cut-out", d.cutout_url, true));
  d.renders.forEach((r) => {
    const f = img(r.marketplace + (r.compliant ? "" : " ✗ not compliant"), r.url);
    if (!r.compliant) f.classList.add("bad");
    images.appendChild(f);
  });
  const scores = $("#scores");
  scores.replaceChildren();
  d.scores.forEach((s) => {
    const tr = document.createElement("tr");
    tr.innerHTML = "<th></th><td><meter min='0' max='1' low='0.6' optimum='1'></meter> <span></span></td><td class='reason'></td>";
    tr.querySelector("th").textContent = s.name;
    tr.querySelector("meter").value = s.value;
    tr.querySelector("span").textContent = s.value.toFixed(2);
    tr.querySelector(".reason").textContent = s.reason;
    scores.appendChild(tr);
  });
  const listing = $("#listing");
  listing.replaceChildren();
  const t = document.createElement("p");
  t.className = "listing-title";
  t.textContent = d.listing.title || "(no title)";
  const ul = document.createElement("ul");
  d.listing.bullets.forEach((b) => { const li = document.createElement("li"); li.textContent = b; ul.appendChild(li); });
  listing.append(t, ul);
  const decided = $("#decided");
  decided.hidden = !d.decision;
  if (d.decision) decided.textContent = d.decision.decision + " by " + d.decision.reviewer + (d.decision.reason ? ": " + d.decision.reason : "");
  for (const id of ["approve", "reject", "correct"]) $("#" + id).disabled = !d.can_decide;
  $("#approve").disabled = !d.can_decide || !d.approvable;
  $("#approve").title = d.approvable ? "" : "see why above";
  if (!d.can_decide && d.status === "pending") say("Your level cannot decide this task (level " + d.level + ").", "");
  else say("");
}

function closeForms() {
  $("#reject-form").hidden = true;
  $("#correct-form").hidden = true;
  $("#zoom").hidden = true;
}

async function decide(body) {
  const d = state.detail;
  if (!d) return;
  try {
    const result = await api("tasks/" + encodeURIComponent(d.task_id) + "/decision",
      { method: "POST", body: JSON.stringify(body) });
    say(d.sku + ": " + result.decision + (result.changed ? "" : " (already recorded)"), "ok");
    closeForms();
    const next = state.index;
    state.tasks.splice(state.index, 1);
    state.index = -1;
    renderQueue();
    if (state.tasks.length) select(Math.min(next, state.tasks.length - 1));
    else showEmpty("Queue done.");
  } catch (e) { if (e.message !== "unauthorized") say(e.message, "error"); }
}

function openReject() {
  if (!state.detail || !state.detail.can_decide) return;
  closeForms();
  $("#reject-form").hidden = false;
  $("#reject-form").scrollIntoView({ block: "nearest" });
  $("#reject-form textarea").focus();
}

function openCorrect() {
  const d = state.detail;
  if (!d || !d.can_decide) return;
  closeForms();
  const form = $("#correct-form");
  form.reset();
  state.margin = 0;
  $("#margin").textContent = "0.00";
  form.elements.title.value = d.listing.title || "";
  form.elements.bullets.value = (d.listing.bullets || []).join("\n");
  form.hidden = false;
  form.scrollIntoView({ block: "nearest" });
  form.elements.category.focus();
}

function nudge(delta) {
  state.margin = Math.max(-0.1, Math.min(0.1, Math.round((state.margin + delta) * 100) / 100));
  $("#margin").textContent = (state.margin > 0 ? "+" : "") + state.margin.toFixed(2);
}

function submitCorrect(event) {
  event.preventDefault();
  const d = state.detail;
  const form = event.target;
  const corrections = {};
  if (form.elements.category.value) corrections.category = form.elements.category.value;
  const title = form.elements.title.value.trim();
  if (title && title !== d.listing.title) corrections.title = title;
  const bullets = form.elements.bullets.value.split("\n").map((b) => b.trim()).filter(Boolean);
  if (JSON.stringify(bullets) !== JSON.stringify(d.listing.bullets || [])) corrections.bullets = bullets;
  if (state.margin) corrections.crop_margin = state.margin;
  const cutout = form.querySelector("input[name=cutout]:checked").value;
  if (cutout) corrections.cutout = cutout;
  if (!Object.keys(corrections).length) { say("Change something first, or approve.", "error"); return; }
  decide({ decision: "correct", reason: form.elements.reason.value, corrections });
}

function submitReject(event) {
  event.preventDefault();
  const reason = event.target.elements.reason.value.trim();
  if (!reason) { say("Say why: the seller needs a reason.", "error"); return; }
  decide({ decision: "reject", reason });
}

function onKey(event) {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (event.key === "Escape") { closeForms(); document.activeElement.blur(); return; }
  if (typing || event.ctrlKey || event.metaKey || event.altKey || $("#workspace").hidden) return;
  const actions = {
    j: () => select(Math.min(state.index + 1, state.tasks.length - 1)),
    k: () => select(Math.max(state.index - 1, 0)),
    a: () => {
      if (!$("#approve").disabled) decide({ decision: "approve" });
      else if (state.detail && !state.detail.approvable) say("Approve cannot publish this listing: see why above; reject or correct it.", "error");
    },
    r: openReject,
    c: openCorrect,
  };
  if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#token-save").addEventListener("click", () => {
    sessionStorage.setItem(TOKEN, $("#token-input").value.trim());
    $("#token-input").value = "";
    signIn();
  });
  $("#signout").addEventListener("click", () => signOut(""));
  $("#filters").addEventListener("submit", (e) => { e.preventDefault(); loadQueue(true); });
  $("#more").addEventListener("click", () => loadQueue(false));
  $("#approve").addEventListener("click", () => decide({ decision: "approve" }));
  $("#reject").addEventListener("click", openReject);
  $("#correct").addEventListener("click", openCorrect);
  $("#reject-form").addEventListener("submit", submitReject);
  $("#correct-form").addEventListener("submit", submitCorrect);
  $("#margin-less").addEventListener("click", () => nudge(0.02));
  $("#margin-more").addEventListener("click", () => nudge(-0.02));
  document.querySelectorAll("form .cancel").forEach((b) => b.addEventListener("click", closeForms));
  $("#zoom").addEventListener("click", () => { $("#zoom").hidden = true; });
  document.addEventListener("keydown", onKey);
  if (token()) signIn(); else signOut("");
});
