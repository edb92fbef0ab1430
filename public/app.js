// edgerag playground: a small client for the /v1 API. No build step, no dependencies.
const $ = (id) => document.getElementById(id);
const state = { key: localStorage.getItem("edgerag.key") || "", session: null, polling: null };

function toast(message, error = false) {
  const t = $("toast");
  t.textContent = message;
  t.className = error ? "error" : "";
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), error ? 6000 : 2500);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/** Calls the API; throws Error(message) built from edgerag's error body. */
async function api(method, path, body, { raw = false } = {}) {
  const headers = { authorization: `Bearer ${state.key}` };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload });
  if (raw && res.ok) return res;
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(data?.error?.message || `${res.status} ${res.statusText}`);
  return data;
}

/** Reads a text/event-stream response, calling onEvent(event, data) per frame. */
async function readSSE(res, onEvent) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    for (let sep = buffer.indexOf("\n\n"); sep !== -1; sep = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, sep);
      buffer = buffer.slice(sep + 2);
      const event = /^event: ?(.*)$/m.exec(frame)?.[1] ?? "message";
      const data = frame
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.replace(/^data: ?/, ""))
        .join("\n");
      if (data) onEvent(event, JSON.parse(data));
    }
  }
}

// --- connection ---------------------------------------------------------------------------
async function connect() {
  if (!state.key) {
    $("whoami").textContent = "not connected";
    return;
  }
  try {
    const who = await api("GET", "/v1/whoami");
    $("whoami").textContent = `tenant ${who.tenant_id} · ${who.scopes.join(", ")}`;
    $("whoami").classList.remove("muted");
    loadDocuments();
  } catch (err) {
    $("whoami").textContent = "key rejected";
    toast(err.message, true);
  }
}

$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  state.key = $("key").value.trim();
  localStorage.setItem("edgerag.key", state.key);
  connect();
});

// --- tabs -----------------------------------------------------------------------------------
for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => {
    for (const t of document.querySelectorAll("[role=tab]"))
      t.setAttribute("aria-selected", String(t === tab));
    for (const s of document.querySelectorAll(".tab")) s.hidden = s.id !== `tab-${tab.dataset.tab}`;
    if (tab.dataset.tab === "documents") loadDocuments();
  });
}

// --- ask (a session per conversation, streamed) ---------------------------------------------
function citationList(citations) {
  if (!citations?.length) return null;
  return el(
    "ol",
    { class: "cites" },
    citations.map((c) =>
      el("li", {}, el("b", {}, c.title || c.document_id), " ", c.quote ? el("q", {}, c.quote) : ""),
    ),
  );
}

$("new-session").addEventListener("click", () => {
  state.session = null;
  $("chat").replaceChildren();
  $("session-info").textContent = "New conversation.";
});

$("ask-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const question = $("question").value.trim();
  if (!question || !state.key)
    return toast(state.key ? "Type a question." : "Enter an API key first.", !state.key);
  $("question").value = "";
  $("chat").append(el("div", { class: "msg user" }, question));
  const answer = el("div", { class: "msg assistant" }, "…");
  $("chat").append(answer);
  const button = e.submitter;
  button.disabled = true;
  try {
    if (!state.session) {
      state.session = (await api("POST", "/v1/sessions", {})).id;
      $("session-info").textContent = `Session ${state.session}`;
    }
    const res = await api(
      "POST",
      `/v1/sessions/${state.session}/messages`,
      { content: question, stream: true },
      { raw: true },
    );
    let text = "";
    await readSSE(res, (event, data) => {
      if (event === "delta") {
        text += data.text;
        answer.textContent = text;
      } else if (event === "done") {
        answer.textContent = data.answer;
        const meta = [
          data.provider && `by ${data.provider}`,
          data.cached && "cached",
          data.timings?.total && `${Math.round(data.timings.total)} ms`,
        ];
        answer.append(
          citationList(data.citations) ?? "",
          el("div", { class: "meta" }, meta.filter(Boolean).join(" · ")),
        );
      } else if (event === "error") {
        answer.textContent = data.error?.message ?? "The answer failed.";
      }
    });
  } catch (err) {
    answer.textContent = err.message;
    toast(err.message, true);
  } finally {
    button.disabled = false;
  }
});

// --- search ---------------------------------------------------------------------------------
$("search-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const query = $("search-query").value.trim();
  if (!query) return;
  try {
    const body = { query, mode: $("search-mode").value, top_k: Number($("search-k").value) || 10 };
    if ($("search-rerank").checked) body.rerank = true;
    const res = await api("POST", "/v1/search", body);
    const total = res.timings?.total;
    $("search-meta").textContent =
      `${res.results.length} results${total ? ` in ${total.toFixed(1)} ms` : ""}`;
    $("results").replaceChildren(
      ...res.results.map((r) =>
        el(
          "li",
          {},
          el(
            "div",
            { class: "head" },
            el("b", {}, r.title || r.document_id),
            ` · score ${r.score.toFixed(4)} `,
            el(
              "span",
              { class: "scores" },
              Object.entries(r.scores || {})
                .filter(([, v]) => typeof v === "number")
                .map(([k, v]) => el("span", {}, `${k} ${v.toFixed(3)}`)),
            ),
          ),
          el("div", { class: "text" }, r.text.length > 600 ? `${r.text.slice(0, 600)}…` : r.text),
        ),
      ),
    );
  } catch (err) {
    toast(err.message, true);
  }
});

// --- documents ------------------------------------------------------------------------------
async function loadDocuments() {
  if (!state.key) return;
  try {
    const { documents } = await api("GET", "/v1/documents?limit=100");
    $("doc-list").replaceChildren(
      ...documents.map((d) =>
        el(
          "tr",
          {},
          el("td", {}, el("code", {}, d.id)),
          el("td", {}, d.title ?? ""),
          el("td", { class: `status-${d.status}`, title: d.error?.message ?? "" }, d.status),
          el("td", {}, String(d.chunk_count ?? "")),
          el(
            "td",
            {},
            el(
              "button",
              { class: "secondary", type: "button", onclick: () => removeDocument(d.id) },
              "Delete",
            ),
          ),
        ),
      ),
    );
    const busy = documents.some((d) => d.status === "queued" || d.status === "indexing");
    clearTimeout(state.polling);
    if (busy) state.polling = setTimeout(loadDocuments, 1000);
  } catch (err) {
    toast(err.message, true);
  }
}

async function removeDocument(id) {
  try {
    await api("DELETE", `/v1/documents/${encodeURIComponent(id)}`);
    toast(`Deleted ${id}`);
    loadDocuments();
  } catch (err) {
    toast(err.message, true);
  }
}

$("refresh-docs").addEventListener("click", loadDocuments);

$("doc-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const file = $("doc-file").files[0];
  try {
    let res;
    if (file) {
      const form = new FormData();
      form.set("file", file, file.name);
      if ($("doc-title").value.trim()) form.set("title", $("doc-title").value.trim());
      res = await api("POST", "/v1/documents", form);
      $("doc-file").value = "";
    } else {
      const text = $("doc-text").value;
      if (!text.trim()) return toast("Paste some text or choose a file.", true);
      const body = { text, content_type: $("doc-type").value };
      if ($("doc-title").value.trim()) body.title = $("doc-title").value.trim();
      res = await api("POST", "/v1/documents", body);
      $("doc-text").value = "";
    }
    $("doc-title").value = "";
    toast(`Accepted ${res.id} (${res.status})`);
    loadDocuments();
  } catch (err) {
    toast(err.message, true);
  }
});

$("key").value = state.key;
connect();
