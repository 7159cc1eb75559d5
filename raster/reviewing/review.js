// The review page: one list of glyphs (or PDF codes), lowest confidence first; the person's
// decisions are kept in `decisions` (and in localStorage, per file hash) and exported as JSON.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("review-data").textContent);
  const FORMS = ["isol", "init", "medi", "fina"];
  const items = D.items;
  const byKey = new Map(items.map((it) => [it.k, it]));
  const storeKey = "glyph-raster-review:" + D.sha256;
  let decisions = {};
  try { decisions = JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { decisions = {}; }
  for (const k of Object.keys(decisions)) if (!byKey.has(k)) delete decisions[k];
  const list = document.getElementById("list");
  const filterSel = document.getElementById("filter");
  const fontSel = document.getElementById("font");
  const rows = new Map(); // key -> row element
  let visible = [];
  let cursor = 0;

  // --- text helpers ---
  const RTL = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;
  function cpsOf(text) { return Array.from(text).map((c) => c.codePointAt(0)); }
  function parseTyped(raw) {
    const s = raw.trim();
    if (/^(U\+[0-9A-Fa-f]{4,6}\s*)+$/.test(s)) {
      return s.split(/\s+/).map((u) => String.fromCodePoint(parseInt(u.slice(2), 16))).join("");
    }
    return s.normalize("NFC");
  }
  function labelFor(text, form) {
    const cps = cpsOf(text);
    if (!cps.length) return "";
    return cps.join("+") + "_" + form;
  }
  function formOf(label) { const i = label.indexOf("_"); return i < 0 ? "" : label.slice(i + 1); }
  function current(it) { const d = decisions[it.k]; return d ? d : { label: it.l, text: it.t }; }
  function isChanged(it) {
    const d = decisions[it.k];
    return !!d && (d.label !== it.l || d.text !== it.t);
  }
  function codeText(fi, code) {
    const it = byKey.get("f" + fi + "c" + code);
    if (it) return current(it).text;
    const t = D.fonts[fi].texts[code];
    return t === undefined ? "\uFFFD" : t;
  }

  // --- rendering ---
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function renderWords(it, box) {
    box.textContent = "";
    for (const wi of it.w) {
      const codes = D.fonts[it.f].words[wi];
      let units = codes.map((c) => [c, codeText(it.f, c)]);
      if (RTL.test(units.map((u) => u[1]).join(""))) units = units.slice().reverse(); // visual -> logical
      const w = el("span", "w");
      for (const [c, t] of units) {
        if (c === it.c) w.appendChild(el("span", "hit", t || "\u25CC"));
        else w.appendChild(document.createTextNode(t));
      }
      box.appendChild(w);
    }
    if (it.d !== null && it.d !== undefined) {
      box.appendChild(el("span", "decl", "the PDF's map says: " + (it.d ? JSON.stringify(it.d) : "nothing")));
    }
  }
  function renderGuess(it, box) {
    box.textContent = "";
    const cur = current(it);
    const ch = el("div", "ch" + (cur.text ? "" : " none"), cur.text || "no character");
    ch.dir = "auto";
    box.appendChild(ch);
    const d = decisions[it.k];
    const meta = el("div", "meta");
    const bar = el("span", "conf");
    const fill = el("span", it.p >= D.threshold ? "ok" : "");
    fill.style.width = Math.round(100 * it.p) + "%";
    bar.appendChild(fill);
    meta.appendChild(bar);
    meta.appendChild(document.createTextNode(
      (cur.label || "-") + " · " + (d ? d.decision : (100 * it.p).toFixed(1) + " %")));
    box.appendChild(meta);
    if (isChanged(it)) box.appendChild(el("div", "was", "model: " + (it.t || "none") + " " + (100 * it.p).toFixed(1) + " %"));
  }
  function runnersOf(it) { return it.cands.filter((c) => c[0] !== it.l).slice(0, 5); }
  // Rows are empty shells until they come near the viewport (or the cursor reaches them):
  // a 2,000-glyph page then builds a few dozen rows at load, not 2,000.
  const filler = "IntersectionObserver" in window
    ? new IntersectionObserver((entries) => {
      for (const e of entries) if (e.isIntersecting) fillRow(byKey.get(e.target.dataset.key));
    }, { rootMargin: "1200px 0px" })
    : null;
  function buildRow(it) {
    const row = el("div", "item");
    row.dataset.key = it.k;
    rows.set(it.k, row);
    if (filler) filler.observe(row); else fillRow(it);
    refreshRow(it);
    return row;
  }
  function fillRow(it) {
    const row = rows.get(it.k);
    if (row.dataset.filled) return row;
    row.dataset.filled = "1";
    if (filler) filler.unobserve(row);
    const img = el("img");
    img.src = "data:image/png;base64," + it.img;
    img.alt = it.n;
    img.title = "gid " + it.g + (it.c !== null ? ", code " + it.c : "") + ", " + it.n;
    row.appendChild(img);
    const guess = el("div", "guess");
    row.appendChild(guess);
    const runners = el("div", "runners");
    runnersOf(it).forEach((c, i) => {
      const b = el("button", "");
      b.type = "button";
      b.dataset.n = String(i + 1);
      b.title = c[0] + " (" + (100 * c[2]).toFixed(1) + " %)";
      b.appendChild(el("span", "n", String(i + 1)));
      b.appendChild(el("span", "c", c[1] || c[0]));
      if (c[1] && formOf(c[0])) b.appendChild(el("span", "f", formOf(c[0])));
      b.appendChild(el("span", "p", (100 * c[2]).toFixed(0) + "%"));
      b.addEventListener("click", () => { b.blur(); setCursorKey(it.k); decide(it, c[0], c[1], "runner-up"); });
      runners.appendChild(b);
    });
    row.appendChild(runners);
    const ans = el("div", "answer");
    const input = el("input");
    input.type = "text";
    input.placeholder = "type… (e)";
    input.title = "a character (ب), several (لا), or codepoints (U+0628); Enter";
    input.dir = "auto";
    const form = el("select");
    for (const f of FORMS) { const o = el("option", "", f); o.value = f; form.appendChild(o); }
    form.value = FORMS.includes(formOf(it.l)) ? formOf(it.l) : "isol";
    const ok = el("button", "", "OK");
    ok.type = "button";
    ok.title = "Enter: the typed text, or accept the guess when empty";
    ok.addEventListener("click", () => { ok.blur(); setCursorKey(it.k); accept(it); });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") { ev.preventDefault(); ev.stopPropagation(); accept(it); move(1); }
      else if (ev.key === "Escape") { input.blur(); }
    });
    input.addEventListener("focus", () => setCursorKey(it.k, true));
    ans.append(input, form, ok);
    row.appendChild(ans);
    const words = el("div", "words");
    row.appendChild(words);
    row.addEventListener("click", (ev) => { if (ev.target === row || ev.target.tagName === "IMG") setCursorKey(it.k); });
    refreshRow(it);
    return row;
  }
  function refreshRow(it) {
    const row = rows.get(it.k);
    if (!row) return;
    row.classList.toggle("unsure", it.p < D.threshold && !decisions[it.k]);
    row.classList.toggle("changed", isChanged(it));
    if (!row.dataset.filled) return;
    renderGuess(it, row.children[1]);
    const cur = current(it);
    for (const b of row.children[2].children) {
      const c = runnersOf(it)[Number(b.dataset.n) - 1];
      b.classList.toggle("picked", !!decisions[it.k] && c[0] === cur.label && c[1] === cur.text);
    }
    if (D.kind === "pdf") renderWords(it, row.children[4]);
  }

  // --- decisions ---
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(decisions)); } catch (e) { /* file:// without storage */ }
    updateCounts();
  }
  function decide(it, label, text, how) {
    decisions[it.k] = { label: label, text: text, decision: how };
    save();
    refreshRow(it);
    if (D.kind === "pdf") { // every shown word with this code reads the new text
      for (const other of (wordUsers.get(it.f + ":" + it.c) || [])) if (other !== it) refreshRow(other);
    }
  }
  function accept(it) {
    const row = fillRow(it);
    const input = row.querySelector("input");
    const form = row.querySelector("select").value;
    if (input.value.trim()) {
      const text = parseTyped(input.value);
      decide(it, labelFor(text, form), text, "typed");
      input.value = "";
      input.blur();
    } else {
      const cur = current(it);
      decide(it, cur.label, cur.text, decisions[it.k] ? decisions[it.k].decision : "confirmed");
    }
  }
  function undo(it) { delete decisions[it.k]; save(); refreshRow(it); }
  const wordUsers = new Map(); // "font:code" -> items whose words show the code
  if (D.kind === "pdf") {
    for (const it of items) for (const wi of it.w) for (const c of D.fonts[it.f].words[wi]) {
      const key = it.f + ":" + c;
      if (!wordUsers.has(key)) wordUsers.set(key, []);
      const arr = wordUsers.get(key);
      if (arr[arr.length - 1] !== it) arr.push(it);
    }
  }

  // --- filter, cursor, keys ---
  function passes(it) {
    const f = filterSel.value;
    if (fontSel.value !== "all" && String(it.f) !== fontSel.value) return false;
    if (f === "unsure") return it.p < D.threshold;
    if (f === "changed") return isChanged(it);
    if (f === "open") return !decisions[it.k];
    return true;
  }
  function applyFilter() {
    const keep = cursorItem();
    visible = items.filter(passes);
    const frag = document.createDocumentFragment();
    for (const it of visible) frag.appendChild(rows.get(it.k) || buildRow(it));
    list.textContent = "";
    list.appendChild(frag);
    if (!visible.length) list.appendChild(el("div", "empty", "nothing matches this filter"));
    const i = keep ? visible.indexOf(keep) : -1;
    setCursor(i >= 0 ? i : 0, true);
    updateCounts();
  }
  function cursorItem() { return visible[cursor]; }
  function setCursor(i, noScroll) {
    const old = cursorItem();
    if (old && rows.get(old.k)) rows.get(old.k).classList.remove("cursor");
    cursor = Math.max(0, Math.min(i, visible.length - 1));
    const it = cursorItem();
    if (!it) return;
    const row = fillRow(it);
    row.classList.add("cursor");
    if (!noScroll) row.scrollIntoView({ block: "nearest" });
  }
  function setCursorKey(k, noScroll) { const i = visible.findIndex((it) => it.k === k); if (i >= 0) setCursor(i, noScroll); }
  function move(d) { setCursor(cursor + d); }
  function updateCounts() {
    const n = Object.keys(decisions).length;
    const changed = items.filter(isChanged).length;
    const unsure = items.filter((it) => it.p < D.threshold).length;
    document.getElementById("counts").textContent =
      items.length + " " + (D.kind === "pdf" ? "codes" : "glyphs") + " · " + unsure + " unsure · " +
      n + " answered · " + changed + " changed · showing " + visible.length;
  }
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const it = cursorItem();
    if (ev.key === "j" || ev.key === "ArrowDown") { move(1); }
    else if (ev.key === "k" || ev.key === "ArrowUp") { move(-1); }
    else if (it && ev.key >= "1" && ev.key <= "5") {
      const c = runnersOf(it)[Number(ev.key) - 1];
      if (!c) return;
      decide(it, c[0], c[1], "runner-up");
      move(1);
    } else if (it && ev.key === "0") { decide(it, "", "", "typed"); move(1); }
    else if (it && ev.key === "Enter") { accept(it); move(1); }
    else if (it && (ev.key === "Backspace" || ev.key === "Delete")) { undo(it); }
    else if (it && (ev.key === "/" || ev.key === "e")) { fillRow(it).querySelector("input").focus(); }
    else return;
    ev.preventDefault();
  });

  // --- export ---
  function answersJson() {
    const out = [];
    for (const it of items) {
      const d = decisions[it.k];
      if (!d) continue;
      const a = D.kind === "pdf"
        ? { font: D.fonts[it.f].key, code: it.c, gid: it.g }
        : { gid: it.g, glyph_name: it.n };
      a.label = d.label;
      a.text = d.text;
      a.decision = d.decision;
      a.original = { label: it.l, text: it.t, confidence: it.p };
      out.push(a);
    }
    const doc = { format: "glyph-raster-answers", version: 1, kind: D.kind, file: D.file,
      sha256: D.sha256, model: D.model, made_at: new Date().toISOString(), answers: out };
    if (D.kind === "font") doc.face_index = D.face_index;
    return JSON.stringify(doc, null, 1);
  }
  function showExport() {
    const json = answersJson();
    const box = document.getElementById("export");
    const area = document.getElementById("export-text");
    area.value = json;
    box.hidden = false;
    const a = document.getElementById("download");
    if (a.href) URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(new Blob([json], { type: "application/json" }));
    a.download = D.file.replace(/\.[^.]+$/, "") + ".answers.json";
    a.click();
  }
  document.getElementById("export-btn").addEventListener("click", showExport);
  document.getElementById("copy").addEventListener("click", () => {
    const area = document.getElementById("export-text");
    area.select();
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(area.value).catch(() => document.execCommand("copy"));
    else document.execCommand("copy");
  });
  document.getElementById("close").addEventListener("click", () => { document.getElementById("export").hidden = true; });
  filterSel.addEventListener("change", applyFilter);
  fontSel.addEventListener("change", applyFilter);
  D.fonts.forEach((f, i) => { const o = el("option", "", f.name); o.value = String(i); fontSel.appendChild(o); });
  if (D.fonts.length < 2) fontSel.parentElement.hidden = true;

  applyFilter();
  document.body.dataset.ready = String(performance.now().toFixed(1));
})();
