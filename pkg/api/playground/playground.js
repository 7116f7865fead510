// Strata playground: a JSON editor whose request is re-rendered shortly
// after each edit. Plain browser JavaScript, no build step, no CDN.
"use strict";

const ENDPOINT = "/image-generation/v1/generate";
const KEY_STORE = "strata.apiKey";
const DRAFT_STORE = "strata.request";
const DEBOUNCE_MS = 350;

const $ = (id) => document.getElementById(id);
const editor = $("json"), gutter = $("gutter"), keyInput = $("key"), select = $("example");
const preview = $("preview"), statusEl = $("status"), errorsEl = $("errors"), download = $("download");

let timer = 0, seq = 0, inflight = null, objectURL = "";
// draftKey is where the editor's text is kept; template mode keeps its own.
let draftKey = DRAFT_STORE;

// ---- editor ----------------------------------------------------------

function lineCount(text) {
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function updateGutter(badLines) {
  const n = lineCount(editor.value);
  const bad = new Set(badLines || []);
  const parts = [];
  for (let i = 1; i <= n; i++) parts.push(bad.has(i) ? `<span class="bad">${i}</span>` : String(i));
  gutter.innerHTML = parts.join("\n") + "\n";
  gutter.scrollTop = editor.scrollTop;
}

function lineOf(offset) {
  return lineCount(editor.value.slice(0, offset));
}

function loadExample(name) {
  const body = JSON.parse(JSON.stringify(EXAMPLES[name]));
  let text = JSON.stringify(body, null, 2);
  if (text.includes("SAMPLE_IMAGE")) text = text.replace("SAMPLE_IMAGE", sampleImageBase64());
  editor.value = text;
  editor.scrollTop = 0;
  changed(0);
}

// ---- locating JSON paths in the text -----------------------------------

// spans parses JSON text and returns a Map from API-style paths
// ("layers[2].hex_color") to [start, end) offsets of their values; keys
// map too, so "layers[0].font_sise" finds an unknown field. It stops at
// the first syntax error and returns what it found so far.
function spans(text) {
  const out = new Map();
  let i = 0;
  const ws = () => { while (i < text.length && " \t\r\n".includes(text[i])) i++; };
  const str = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const join = (path, key) => (path ? path + "." + key : key);
  const value = (path) => {
    ws();
    const start = i;
    const c = text[i];
    if (c === "{") {
      i++; ws();
      if (text[i] === "}") { i++; } else {
        for (;;) {
          ws();
          if (text[i] !== '"') throw new Error("key");
          const kStart = i, key = str();
          out.set(join(path, key), [kStart, i]);
          ws(); if (text[i++] !== ":") throw new Error(":");
          value(join(path, key));
          ws();
          if (text[i] === ",") { i++; continue; }
          if (text[i++] !== "}") throw new Error("}");
          break;
        }
      }
    } else if (c === "[") {
      i++; ws();
      if (text[i] === "]") { i++; } else {
        for (let n = 0; ; n++) {
          value(`${path}[${n}]`);
          ws();
          if (text[i] === ",") { i++; continue; }
          if (text[i++] !== "]") throw new Error("]");
          break;
        }
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !",}] \t\r\n".includes(text[i])) i++;
      if (i === start) throw new Error("value");
    }
    // A key's entry points at the key; the value's span wins for values.
    if (path) out.set(path, [start, i]);
  };
  try { value(""); } catch (_) { /* partial map */ }
  return out;
}

// locate finds the text span of path, falling back to its nearest
// ancestor (a missing field is reported on the path it should have had).
function locate(path) {
  const map = spans(editor.value);
  for (let p = path; p; p = p.replace(/(\.[^.[\]]+|\[\d+\])$/, "")) {
    if (map.has(p)) return map.get(p);
    if (!/(\.[^.[\]]+|\[\d+\])$/.test(p)) {
      // A top-level key such as "dimensions".
      return map.get(p) || null;
    }
  }
  return null;
}

function select_(span) {
  if (!span) return;
  editor.focus();
  editor.setSelectionRange(span[0], span[1]);
  const line = lineOf(span[0]);
  editor.scrollTop = Math.max(0, (line - 5) * 20);
}

// ---- rendering ---------------------------------------------------------

function setStatus(text, kind) {
  statusEl.textContent = text;
  statusEl.className = kind || "";
}

// showErrors lists problems (or, with kind "warning", the render report's
// warnings) with their JSON paths, which select the field in the editor.
function showErrors(summary, details, kind) {
  errorsEl.innerHTML = "";
  const bad = [];
  if (summary) {
    const li = document.createElement("li");
    li.className = "summary";
    li.textContent = summary;
    errorsEl.appendChild(li);
  }
  for (const d of details || []) {
    const li = document.createElement("li");
    li.dataset.path = d.path;
    if (kind) li.className = kind;
    if (d.code) li.dataset.code = d.code;
    const code = document.createElement("code");
    code.textContent = d.path || "(body)";
    code.title = "Show in the editor";
    code.addEventListener("click", () => select_(locate(d.path)));
    li.appendChild(code);
    li.appendChild(document.createTextNode(d.code ? `${d.message} (${d.code})` : d.message));
    errorsEl.appendChild(li);
    const span = d.path ? locate(d.path) : null;
    if (span) bad.push(lineOf(span[0]));
  }
  updateGutter(bad);
}

function extension(mime) {
  return { "image/jpeg": "jpg", "image/webp": "webp", "image/tiff": "tiff", "image/gif": "gif", "image/avif": "avif", "application/pdf": "pdf" }[mime] || "png";
}

function showImage(b64, mime) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  if (objectURL) URL.revokeObjectURL(objectURL);
  objectURL = URL.createObjectURL(new Blob([bytes], { type: mime }));
  if (mime === "application/pdf") {
    // An <img> cannot show a PDF: the download link has it.
    preview.removeAttribute("src");
    preview.className = "";
  } else {
    // A data: URL keeps the image inspectable (and comparable in tests).
    preview.src = `data:${mime};base64,${b64}`;
    preview.className = "shown";
  }
  download.href = objectURL;
  download.download = "strata." + extension(mime);
  download.classList.remove("disabled");
  download.removeAttribute("aria-disabled");
  return bytes.length;
}

async function render() {
  const key = keyInput.value.trim();
  const text = editor.value;
  const mine = ++seq;
  if (!key) {
    setStatus("Enter an API key (one of STRATA_API_KEYS) to render.", "error");
    return;
  }
  try {
    JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(e.message);
    const line = m ? lineOf(Number(m[1])) : 0;
    setStatus("Not valid JSON yet.", "error");
    showErrors("", [{ path: "", message: e.message }]);
    updateGutter(line ? [line] : []);
    preview.classList.add("stale");
    return;
  }
  if (inflight) inflight.abort();
  inflight = new AbortController();
  setStatus("Rendering…");
  preview.classList.add("stale");
  const started = performance.now();
  let resp, body;
  try {
    resp = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + key },
      body: text,
      signal: inflight.signal,
    });
    body = await resp.json();
  } catch (e) {
    if (e.name === "AbortError") return;
    if (mine !== seq) return;
    setStatus("The server could not be reached: " + e.message, "error");
    return;
  }
  if (mine !== seq) return;
  const ms = Math.round(performance.now() - started);
  if (resp.ok && body.success && body.data) {
    const size = showImage(body.data.buffer, body.data.mime_type);
    const warnings = body.data.warnings || [];
    const note = warnings.length ? ` ${warnings.length} warning${warnings.length > 1 ? "s" : ""}.` : "";
    setStatus(`Rendered ${body.data.mime_type}, ${(size / 1024).toFixed(1)} KB in ${ms} ms.${note}`, "ok");
    showErrors("", warnings, "warning");
    return;
  }
  if (resp.status === 201) {
    setStatus(`Accepted (201): job ${body.job_id}. The image goes to the webhook; remove webhook_url to preview.`, "ok");
    showErrors("", []);
    return;
  }
  let summary = `${resp.status}: ${body.error || "request failed"}`;
  if (resp.status === 401) summary += " Check the API key.";
  setStatus(summary, "error");
  showErrors("", body.details && body.details.length ? body.details : [{ path: "", message: body.error || "" }]);
}

function changed(delay) {
  updateGutter();
  try { localStorage.setItem(draftKey, editor.value); } catch (_) { /* private mode */ }
  clearTimeout(timer);
  timer = setTimeout(render, delay === undefined ? DEBOUNCE_MS : delay);
}

// ---- wiring --------------------------------------------------------------

for (const name of Object.keys(EXAMPLES)) {
  const opt = document.createElement("option");
  opt.value = opt.textContent = name;
  select.appendChild(opt);
}
select.addEventListener("change", () => loadExample(select.value));

editor.addEventListener("input", () => changed());
editor.addEventListener("scroll", () => { gutter.scrollTop = editor.scrollTop; });
editor.addEventListener("keydown", (e) => {
  if (e.key === "Tab") {
    e.preventDefault();
    editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
    changed();
  }
});

keyInput.value = localStorage.getItem(KEY_STORE) || "";
keyInput.addEventListener("input", () => {
  localStorage.setItem(KEY_STORE, keyInput.value.trim());
  changed();
});

$("format").addEventListener("click", () => {
  try {
    editor.value = JSON.stringify(JSON.parse(editor.value), null, 2);
    changed(0);
  } catch (_) { render(); }
});

const draft = localStorage.getItem(DRAFT_STORE);
if (draft) {
  editor.value = draft;
  select.value = "";
  changed(0);
} else {
  loadExample(select.options[0].value);
}
