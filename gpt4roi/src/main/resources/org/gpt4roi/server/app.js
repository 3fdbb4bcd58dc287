// GPT4RoI page: pick or upload an image, draw boxes on it, ask about them, watch the answer stream.
// Talks to the same JSON API as any client (POST /v1/region-chat, server-sent events).
"use strict";

const $ = (id) => document.getElementById(id);
const canvas = $("canvas");
const ctx = canvas.getContext("2d");
const COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324"];
const HANDLE_PX = 8;        // how close (screen pixels) a press must be to a corner to resize
const MIN_BOX_PX = 4;       // smaller drags are clicks, not boxes

const state = {
  image: null,              // {name, dataUrl, img, width, height}
  boxes: [],                // {x1, y1, x2, y2, locked} in image pixels; boxes[i] is region(i+1)
  selected: -1,
  conversationId: null,
  busy: false,
  drag: null,               // {mode: "draw"|"move"|"resize"|"press", index, startX, startY, orig, corner, moved}
};
// Read by the browser test: counts streamed pieces of the last answer.
window.gpt4roi = { textEvents: 0, lastAnswer: null, done: false };

// ---------- images ----------

async function loadPhotoList() {
  const photos = await (await fetch("/v1/photos")).json();
  const select = $("photo-select");
  select.innerHTML = "";
  for (const p of photos) select.add(new Option(p.name, p.url));
  if (photos.length) await loadImageFromUrl(photos[0].url, photos[0].name);
}

async function loadImageFromUrl(url, name) {
  const blob = await (await fetch(url)).blob();
  await loadImageFromBlob(blob, name);
}

function loadImageFromBlob(blob, name) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error);
    reader.onload = () => {
      const img = new Image();
      img.onload = () => {
        state.image = { name, dataUrl: reader.result, img, width: img.naturalWidth, height: img.naturalHeight };
        startOver();
        fitCanvas();
        $("image-info").textContent = `${name} · ${img.naturalWidth}×${img.naturalHeight}`;
        canvas.dataset.ready = name;
        resolve();
      };
      img.onerror = () => { showError(`${name}: the browser cannot show this file as an image`); reject(); };
      img.src = reader.result;
    };
    reader.readAsDataURL(blob);
  });
}

function fitCanvas() {
  if (!state.image) return;
  const maxW = Math.max(320, $("stage").clientWidth || 640);
  const scale = Math.min(1, maxW / state.image.width, 720 / state.image.height);
  canvas.width = Math.max(1, Math.round(state.image.width * scale));
  canvas.height = Math.max(1, Math.round(state.image.height * scale));
  draw();
}

// ---------- coordinates ----------

// Canvas pixels per image pixel, and the CSS-to-canvas factor (the canvas may be shown scaled).
function scale() { return canvas.width / state.image.width; }

function eventToImage(e) {
  const r = canvas.getBoundingClientRect();
  const cx = (e.clientX - r.left) * (canvas.width / r.width);
  const cy = (e.clientY - r.top) * (canvas.height / r.height);
  return { x: cx / scale(), y: cy / scale() };
}

function screenTolerance() {
  const r = canvas.getBoundingClientRect();
  return HANDLE_PX * (canvas.width / r.width) / scale();   // HANDLE_PX in image pixels
}

function normalise(b) {
  return { ...b, x1: Math.min(b.x1, b.x2), y1: Math.min(b.y1, b.y2), x2: Math.max(b.x1, b.x2), y2: Math.max(b.y1, b.y2) };
}

function clampToImage(v, max) { return Math.max(0, Math.min(max, v)); }

// ---------- hit testing ----------

function cornerAt(p) {
  const tol = screenTolerance();
  for (let i = state.boxes.length - 1; i >= 0; i--) {
    const b = state.boxes[i];
    if (b.locked) continue;
    for (const [cx, cy, corner] of [[b.x1, b.y1, "tl"], [b.x2, b.y1, "tr"], [b.x1, b.y2, "bl"], [b.x2, b.y2, "br"]])
      if (Math.abs(p.x - cx) <= tol && Math.abs(p.y - cy) <= tol) return { index: i, corner };
  }
  return null;
}

function boxAt(p) {
  for (let i = state.boxes.length - 1; i >= 0; i--) {
    const b = state.boxes[i];
    if (p.x >= b.x1 && p.x <= b.x2 && p.y >= b.y1 && p.y <= b.y2) return i;
  }
  return -1;
}

// ---------- mouse / pointer ----------

canvas.addEventListener("pointerdown", (e) => {
  if (!state.image || e.button !== 0) return;
  canvas.setPointerCapture(e.pointerId);
  const p = eventToImage(e);
  const corner = cornerAt(p);
  const index = boxAt(p);
  if (corner) {
    state.drag = { mode: "resize", index: corner.index, corner: corner.corner, startX: p.x, startY: p.y, moved: false };
  } else if (index >= 0) {
    state.drag = { mode: state.boxes[index].locked ? "press" : "move", index, startX: p.x, startY: p.y,
                   orig: { ...state.boxes[index] }, moved: false };
  } else {
    state.drag = { mode: "draw", index: -1, startX: p.x, startY: p.y, moved: false };
  }
  e.preventDefault();
});

canvas.addEventListener("pointermove", (e) => {
  const d = state.drag;
  if (!d) return;
  const p = eventToImage(e);
  const W = state.image.width, H = state.image.height;
  const tol = screenTolerance() / 2;
  if (Math.abs(p.x - d.startX) > tol || Math.abs(p.y - d.startY) > tol) d.moved = true;
  if (!d.moved) return;
  if (d.mode === "draw") {
    if (d.index < 0) {
      state.boxes.push({ x1: d.startX, y1: d.startY, x2: d.startX, y2: d.startY, locked: false });
      d.index = state.boxes.length - 1;
      state.selected = d.index;
    }
    const b = state.boxes[d.index];
    b.x1 = d.startX; b.y1 = d.startY; b.x2 = clampToImage(p.x, W); b.y2 = clampToImage(p.y, H);
  } else if (d.mode === "move") {
    const o = d.orig, w = o.x2 - o.x1, h = o.y2 - o.y1;
    const x1 = clampToImage(o.x1 + p.x - d.startX, W - w), y1 = clampToImage(o.y1 + p.y - d.startY, H - h);
    Object.assign(state.boxes[d.index], { x1, y1, x2: x1 + w, y2: y1 + h });
  } else if (d.mode === "resize") {
    const b = state.boxes[d.index];
    if (d.corner.includes("l")) b.x1 = clampToImage(p.x, W); else b.x2 = clampToImage(p.x, W);
    if (d.corner.includes("t")) b.y1 = clampToImage(p.y, H); else b.y2 = clampToImage(p.y, H);
  }
  draw();
});

canvas.addEventListener("pointerup", () => {
  const d = state.drag;
  state.drag = null;
  if (!d) return;
  if (d.index >= 0 && state.boxes[d.index]) state.boxes[d.index] = normalise(state.boxes[d.index]);
  if (d.mode === "draw" && d.index >= 0) {
    const b = state.boxes[d.index];
    if ((b.x2 - b.x1) * scale() < MIN_BOX_PX || (b.y2 - b.y1) * scale() < MIN_BOX_PX) {
      state.boxes.splice(d.index, 1);
      state.selected = -1;
    }
  } else if (!d.moved && d.index >= 0) {       // a click on a box: select it and insert its tag
    state.selected = d.index;
    insertTag(d.index);
  } else if (!d.moved) {
    state.selected = -1;
  }
  renderBoxList();
  draw();
});

canvas.addEventListener("keydown", (e) => {
  if ((e.key === "Delete" || e.key === "Backspace") && state.selected >= 0) {
    deleteBox(state.selected);
    e.preventDefault();
  }
});

function deleteBox(i) {
  if (state.boxes[i].locked) { showError(`region${i + 1} was used in an earlier turn and stays; use Start over to clear it`); return; }
  state.boxes.splice(i, 1);
  state.selected = -1;
  renderBoxList();
  draw();
}

function insertTag(i) {
  const q = $("question");
  const tag = `<region${i + 1}>`;
  const at = q.selectionStart ?? q.value.length;
  const before = q.value.slice(0, at), after = q.value.slice(q.selectionEnd ?? at);
  const pad = before && !/\s$/.test(before) ? " " : "";
  q.value = before + pad + tag + after;
  const caret = (before + pad + tag).length;
  q.focus();
  q.setSelectionRange(caret, caret);
}

// ---------- drawing ----------

function draw() {
  if (!state.image) return;
  const s = scale();
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(state.image.img, 0, 0, canvas.width, canvas.height);
  state.boxes.forEach((b, i) => {
    const color = COLORS[i % COLORS.length];
    const x = Math.min(b.x1, b.x2) * s, y = Math.min(b.y1, b.y2) * s;
    const w = Math.abs(b.x2 - b.x1) * s, h = Math.abs(b.y2 - b.y1) * s;
    ctx.lineWidth = i === state.selected ? 3 : 2;
    ctx.setLineDash(b.locked ? [] : [6, 3]);
    ctx.strokeStyle = color;
    ctx.strokeRect(x, y, w, h);
    ctx.setLineDash([]);
    const label = `region${i + 1}`;
    ctx.font = "bold 13px system-ui, sans-serif";
    const tw = ctx.measureText(label).width + 8;
    const ly = y >= 18 ? y - 18 : y;
    ctx.fillStyle = color;
    ctx.fillRect(x, ly, tw, 18);
    ctx.fillStyle = "#fff";
    ctx.fillText(label, x + 4, ly + 13);
    if (!b.locked && i === state.selected) {
      for (const [cx, cy] of [[x, y], [x + w, y], [x, y + h], [x + w, y + h]]) ctx.fillRect(cx - 3, cy - 3, 6, 6);
    }
  });
}

function renderBoxList() {
  const list = $("box-list");
  list.innerHTML = "";
  state.boxes.forEach((b, i) => {
    const li = document.createElement("li");
    li.className = (i === state.selected ? "selected " : "") + (b.locked ? "locked" : "");
    li.textContent = `region${i + 1}: ${pixels(b).join(", ")}` + (b.locked ? " (sent)" : "");
    const tag = document.createElement("button");
    tag.type = "button";
    tag.textContent = "tag";
    tag.title = `insert <region${i + 1}> into the question`;
    tag.onclick = () => insertTag(i);
    li.append(tag);
    if (!b.locked) {
      const del = document.createElement("button");
      del.type = "button";
      del.textContent = "×";
      del.title = `delete region${i + 1}`;
      del.onclick = () => deleteBox(i);
      li.append(del);
    }
    list.append(li);
  });
}

function pixels(b) { return [b.x1, b.y1, b.x2, b.y2].map((v) => Math.round(v)); }

// ---------- chat ----------

$("ask-form").addEventListener("submit", (e) => { e.preventDefault(); ask(); });
$("question").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); ask(); }
});
$("new-chat").addEventListener("click", () => { startOver(); draw(); });
$("photo-select").addEventListener("change", (e) => {
  const opt = e.target.selectedOptions[0];
  loadImageFromUrl(opt.value, opt.text).catch(() => showError(`cannot load ${opt.text}`));
});
$("file-input").addEventListener("change", (e) => {
  const file = e.target.files[0];
  if (!file) return;
  const select = $("photo-select");
  let uploaded = select.querySelector("option[data-uploaded]");
  if (!uploaded) {
    uploaded = new Option("(uploaded)", "");
    uploaded.dataset.uploaded = "1";
    uploaded.disabled = true;
    select.add(uploaded, 0);
  }
  select.value = "";
  uploaded.selected = true;
  loadImageFromBlob(file, file.name).catch(() => {});
});
window.addEventListener("resize", fitCanvas);

function startOver() {
  state.boxes = [];
  state.selected = -1;
  state.conversationId = null;
  $("transcript").innerHTML = "";
  $("turn-status").textContent = "";
  hideError();
  renderBoxList();
}

function settings() {
  const greedy = document.querySelector("input[name=mode]:checked").value === "greedy";
  const num = (id) => Number($(id).value);
  return {
    max_tokens: num("max-tokens"),
    temperature: greedy ? 0 : num("temperature"),
    top_k: num("top-k"),
    top_p: num("top-p"),
    seed: num("seed"),
  };
}

async function ask() {
  const question = $("question").value.trim();
  if (state.busy || !question) return;
  if (!state.image) { showError("pick or upload an image first"); return; }
  hideError();
  const fresh = state.boxes.filter((b) => !b.locked);
  const body = { messages: [{ role: "user", content: question }], boxes: fresh.map(pixels), stream: true, ...settings() };
  if (state.conversationId) body.conversation_id = state.conversationId;
  else body.image = state.image.dataUrl;

  setBusy(true);
  addMessage("user", question);
  const answer = addMessage("assistant", "");
  answer.classList.add("streaming");
  window.gpt4roi = { textEvents: 0, lastAnswer: null, done: false };
  try {
    const res = await fetch("/v1/region-chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      const err = await res.json().catch(() => ({ error: { message: res.statusText } }));
      throw err.error;
    }
    await readEvents(res.body, {
      text: (d) => { answer.firstChild.textContent += d.text; window.gpt4roi.textEvents++; scrollDown(); },
      done: (d) => {
        state.conversationId = d.conversation_id;
        fresh.forEach((b) => { b.locked = true; });
        answer.firstChild.textContent = d.answer;
        const meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = `${d.usage.completion_tokens} tokens · ${d.stop_reason} · prompt ${d.usage.prompt_tokens} (${d.usage.reused_tokens} reused)`
          + (d.unused_regions.length ? ` · regions not named: ${d.unused_regions.join(", ")}` : "");
        answer.append(meta);
        window.gpt4roi.lastAnswer = d.answer;
        $("question").value = "";
        $("turn-status").textContent = `turn ${d.turn} · conversation ${d.conversation_id.slice(0, 10)}…`;
      },
      error: (d) => { throw d.error; },
    });
    if (window.gpt4roi.lastAnswer === null) throw "the answer was cut off (the connection closed early)";
  } catch (err) {
    answer.remove();
    showError(describeError(err));
    if (err && err.field === "conversation_id") state.conversationId = null;
  } finally {
    answer.classList.remove("streaming");
    window.gpt4roi.done = true;
    setBusy(false);
    renderBoxList();
    draw();
  }
}

// Server-sent events from a fetch body: "event: NAME\ndata: JSON\n\n".
async function readEvents(stream, handlers) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (handlers[name]) handlers[name](JSON.parse(data));
    }
  }
}

function describeError(err) {
  if (!err) return "the request failed";
  if (typeof err === "string") return err;
  if (err instanceof Error) return `the request failed: ${err.message}`;
  return (err.field ? `${err.field}: ` : "") + (err.message || "the request failed");
}

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = `msg ${role}`;
  div.append(document.createTextNode(text));
  $("transcript").append(div);
  scrollDown();
  return div;
}

function scrollDown() { const t = $("transcript"); t.scrollTop = t.scrollHeight; }

function setBusy(busy) {
  state.busy = busy;
  $("send").disabled = busy;
  $("new-chat").disabled = busy;
  if (busy) $("turn-status").textContent = "answering…";
}

function showError(message) { const e = $("error"); e.textContent = message; e.hidden = false; }
function hideError() { $("error").hidden = true; }

async function loadHealth() {
  try {
    const h = await (await fetch("/v1/health")).json();
    $("model-name").textContent = h.model;
    $("max-tokens").max = h.limits.max_tokens;
  } catch (e) {
    $("server-status").textContent = "server not reachable";
  }
}

loadHealth();
loadPhotoList().catch((e) => showError(`cannot load the photos: ${e}`));
