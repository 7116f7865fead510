// Strata playground, template mode: the editor holds a template (a request
// whose layers may carry a name); "Save version" PUTs it; its variables
// get an input each; filling them renders through a signed image URL made
// here with the API key (the algorithm of docs/TEMPLATES.md, WebCrypto),
// which "Copy signed URL" copies. Loaded after playground.js, whose
// editor, preview and error list it shares.
"use strict";

const MODE_STORE = "strata.mode";
const TEMPLATE_STORE = "strata.template";
const TEMPLATE_ID_STORE = "strata.templateId";
const TEMPLATES = "/image-generation/v1/templates/";
// The field a variable's input sets first, by preference.
const MAIN_FIELDS = ["text", "value", "hex_color", "file", "colors", "background_color"];

const modeSelect = $("mode"), panel = $("template-panel"), tplID = $("tpl-id"), versionEl = $("tpl-version");
const varsEl = $("vars"), formatSelect = $("url-format"), copyButton = $("copy-url"), urlOut = $("signed-url");

let saved = null; // the last PUT's answer: {template_id, version, variables}
let rows = [];    // {name, field (select), input, el}
let urlTimer = 0, urlSeq = 0;

function setMode(mode) {
  const template = mode === "template";
  try {
    localStorage.setItem(draftKey, editor.value);
    localStorage.setItem(MODE_STORE, mode);
  } catch (_) { /* private mode */ }
  modeSelect.value = mode;
  panel.hidden = !template;
  $("example-label").hidden = template;
  draftKey = template ? TEMPLATE_STORE : DRAFT_STORE;
  const draft = localStorage.getItem(draftKey);
  if (draft) {
    editor.value = draft;
  } else if (template) {
    editor.value = JSON.stringify(TEMPLATE_EXAMPLE, null, 2);
  } else {
    loadExample(select.options[0].value);
    return;
  }
  editor.scrollTop = 0;
  changed(0);
}

// ---- saving and variables ------------------------------------------------

async function save() {
  const key = keyInput.value.trim();
  const id = tplID.value.trim();
  localStorage.setItem(TEMPLATE_ID_STORE, id);
  if (!key) return setStatus("Enter an API key (one of STRATA_API_KEYS) to save.", "error");
  setStatus("Saving…");
  let resp, body;
  try {
    resp = await fetch(TEMPLATES + encodeURIComponent(id), {
      method: "PUT",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + key },
      body: editor.value,
    });
    body = await resp.json();
  } catch (e) {
    return setStatus("The server could not be reached: " + e.message, "error");
  }
  if (!resp.ok || !body.success) {
    setStatus(`${resp.status}: ${body.error || "the template was not saved"}`, "error");
    showErrors("", body.details && body.details.length ? body.details : [{ path: "", message: body.error || "" }]);
    return;
  }
  saved = body.data;
  versionEl.textContent = `Version ${saved.version} saved; ${saved.variables.length} variable${saved.variables.length === 1 ? "" : "s"}.`;
  showErrors("", []);
  showVariables(saved.variables);
  scheduleURL(0);
}

function showVariables(variables) {
  varsEl.innerHTML = "";
  rows = [];
  for (const v of variables) {
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = v.name;
    const type = document.createElement("small");
    type.textContent = v.type;
    name.appendChild(type);
    const field = document.createElement("select");
    field.setAttribute("aria-label", `Field of ${v.name}`);
    for (const f of v.fields) {
      const opt = document.createElement("option");
      opt.value = opt.textContent = f;
      field.appendChild(opt);
    }
    field.value = MAIN_FIELDS.find((f) => v.fields.includes(f)) || v.fields[0];
    const input = document.createElement("input");
    input.spellcheck = false;
    input.dataset.name = v.name;
    input.placeholder = "the template's value";
    input.setAttribute("aria-label", `Value of ${v.name}`);
    const cell = document.createElement("span");
    cell.appendChild(input);
    field.addEventListener("change", () => scheduleURL());
    input.addEventListener("input", () => scheduleURL());
    varsEl.append(name, field, cell);
    rows.push({ name: v.name, field, input, el: cell });
  }
}

// ---- signed URLs ---------------------------------------------------------

const utf8 = (s) => new TextEncoder().encode(s);
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const base64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
// Browsers percent-encode ' in a query themselves; encode what
// encodeURIComponent leaves so the bytes sent are the bytes signed.
const queryEscape = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());

async function signedURL(apiKey) {
  const keyID = "key_" + hex(await crypto.subtle.digest("SHA-256", utf8("strata-key:" + apiKey))).slice(0, 12);
  const path = TEMPLATES + saved.template_id + "/image." + formatSelect.value;
  const params = [["key", keyID]];
  if (saved.version > 0) params.push(["v", String(saved.version)]);
  for (const r of rows) {
    if (r.input.value !== "") params.push([`${r.name}.${r.field.value}`, r.input.value]);
  }
  const query = params.map(([k, v]) => queryEscape(k) + "=" + queryEscape(v)).join("&");
  const mac = await crypto.subtle.importKey("raw", utf8(apiKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = await crypto.subtle.sign("HMAC", mac, utf8(`GET\n${path}\n${query}`));
  return `${path}?${query}&sig=${base64url(sig)}`;
}

function scheduleURL(delay) {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(renderURL, delay === undefined ? DEBOUNCE_MS : delay);
}

async function renderURL() {
  const key = keyInput.value.trim();
  if (!saved || !key) return;
  if (!window.crypto || !crypto.subtle) {
    return setStatus("Signing needs a secure page: open the playground over https or on localhost.", "error");
  }
  const mine = ++urlSeq;
  const url = await signedURL(key);
  if (mine !== urlSeq) return;
  urlOut.value = location.origin + url;
  copyButton.disabled = false;
  for (const r of rows) r.el.classList.remove("bad");
  setStatus("Rendering the signed URL…");
  preview.classList.add("stale");
  const started = performance.now();
  let resp;
  try {
    resp = await fetch(url);
  } catch (e) {
    if (mine === urlSeq) setStatus("The server could not be reached: " + e.message, "error");
    return;
  }
  if (mine !== urlSeq) return;
  if (!resp.ok) {
    const body = await resp.json();
    setStatus(`${resp.status}: ${body.error || "request failed"}`, "error");
    const details = body.details && body.details.length ? body.details : [{ path: "", message: body.error || "" }];
    showErrors("", details);
    // query["title.text"] names the variable whose input is wrong.
    for (const d of details) {
      const m = /^query\["(.+)\.[^.]+"\]/.exec(d.path || "");
      const r = m && rows.find((x) => x.name === m[1]);
      if (r) r.el.classList.add("bad");
    }
    return;
  }
  const bytes = new Uint8Array(await resp.arrayBuffer());
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const mime = resp.headers.get("Content-Type");
  showImage(btoa(bin), mime);
  showErrors("", []);
  const ms = Math.round(performance.now() - started);
  setStatus(`Rendered ${mime} from the signed URL, ${(bytes.length / 1024).toFixed(1)} KB in ${ms} ms (${resp.headers.get("Cache-Status") || "no cache"}).`, "ok");
}

async function copyURL() {
  urlOut.select();
  try {
    await navigator.clipboard.writeText(urlOut.value);
    setStatus("Signed URL copied.", "ok");
  } catch (_) {
    setStatus("Copy the selected URL (the browser refused the clipboard).", "ok");
  }
}

// ---- wiring --------------------------------------------------------------

tplID.value = localStorage.getItem(TEMPLATE_ID_STORE) || tplID.value;
modeSelect.addEventListener("change", () => setMode(modeSelect.value));
$("tpl-save").addEventListener("click", save);
formatSelect.addEventListener("change", () => scheduleURL(0));
copyButton.addEventListener("click", copyURL);
if (localStorage.getItem(MODE_STORE) === "template") setMode("template");
