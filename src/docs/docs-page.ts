/**
 * The /docs page: renders /openapi.json in the browser with no external assets, so the
 * reference works on an offline machine. Schemas are shown as field trees with $refs
 * resolved, plus a curl example per operation.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgerag API reference</title>
<style>
  :root { --fg:#1d2330; --muted:#5d6677; --line:#e3e6ec; --bg:#fafbfc; --code:#f2f4f7; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.5 system-ui, -apple-system, Segoe UI, sans-serif; color:var(--fg); display:flex; }
  nav { width:270px; height:100vh; position:sticky; top:0; overflow:auto; border-right:1px solid var(--line); background:var(--bg); padding:16px; }
  nav h1 { font-size:18px; margin:0 0 4px; } nav .ver { color:var(--muted); font-size:13px; margin-bottom:12px; }
  nav h2 { font-size:12px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:16px 0 4px; }
  nav a { display:block; color:var(--fg); text-decoration:none; font-size:13px; padding:2px 0; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
  main { flex:1; max-width:980px; padding:24px 40px 80px; }
  section.op { border-top:1px solid var(--line); padding:20px 0; }
  .m { display:inline-block; min-width:62px; text-align:center; font:600 12px ui-monospace,monospace; padding:2px 6px; border-radius:4px; color:#fff; margin-right:8px; }
  .get{background:#2f7d4f}.post{background:#2b5fb4}.delete{background:#b43b2b}.put,.patch{background:#9a6a12}
  .path { font:600 15px ui-monospace,monospace; }
  h3 { margin:0 0 4px; font-size:16px; } h4 { margin:14px 0 6px; font-size:13px; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); }
  table { border-collapse:collapse; width:100%; font-size:13px; } td,th { text-align:left; border-bottom:1px solid var(--line); padding:4px 8px; vertical-align:top; }
  code, pre { font-family: ui-monospace, monospace; font-size:12.5px; background:var(--code); border-radius:4px; }
  code { padding:1px 4px; } pre { padding:10px 12px; overflow:auto; }
  .tree { font:12.5px/1.6 ui-monospace,monospace; } .tree div { padding-left:16px; } .t { color:var(--muted); } .req { color:#b43b2b; }
  .desc { color:var(--muted); font-family:system-ui,sans-serif; }
</style>
</head>
<body>
<nav id="nav"><h1>edgerag</h1><div class="ver" id="ver">loading…</div></nav>
<main id="main"><p>Loading <code>/openapi.json</code>…</p></main>
<script>
(async function () {
  const spec = await (await fetch("/openapi.json")).json();
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  const resolve = (s) => { let n = 0; while (s && s.$ref && n++ < 20) s = s.$ref.split("/").slice(1).reduce((o, k) => o && o[k], spec); return s || {}; };
  const typeOf = (s) => {
    s = resolve(s);
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
    if (s.anyOf || s.oneOf) return (s.anyOf || s.oneOf).map(typeOf).join(" | ");
    if (s.type === "array") return typeOf(s.items) + "[]";
    return Array.isArray(s.type) ? s.type.join(" | ") : s.type || (s.properties ? "object" : "any");
  };
  const tree = (schema, depth = 0) => {
    const s = resolve(schema);
    const props = s.properties || (s.type === "array" && resolve(s.items).properties) || null;
    if (!props || depth > 5) return "";
    const req = new Set((s.type === "array" ? resolve(s.items).required : s.required) || []);
    return Object.entries(props).map(([k, v]) => {
      const r = resolve(v);
      return '<div>' + esc(k) + (req.has(k) ? '<span class="req">*</span>' : "") + ': <span class="t">' + esc(typeOf(v)) + '</span>' +
        (r.description ? ' <span class="desc">— ' + esc(r.description) + '</span>' : "") + tree(v, depth + 1) + '</div>';
    }).join("");
  };
  const example = (schema, depth = 0) => {
    const s = resolve(schema);
    if (s.example !== undefined) return s.example;
    if (s.default !== undefined) return s.default;
    if (depth > 4) return null;
    if (s.enum) return s.enum[0];
    if (s.properties) { const o = {}; for (const k of s.required || Object.keys(s.properties).slice(0, 3)) if (s.properties[k]) o[k] = example(s.properties[k], depth + 1); return o; }
    if (s.type === "array") return [example(s.items, depth + 1)];
    return { string: "…", number: 0, integer: 0, boolean: true }[s.type] ?? null;
  };
  document.getElementById("ver").textContent = "v" + spec.info.version + " · OpenAPI " + spec.openapi;
  const groups = {};
  for (const [path, item] of Object.entries(spec.paths || {}))
    for (const [method, op] of Object.entries(item))
      (groups[(op.tags && op.tags[0]) || "other"] ||= []).push({ path, method, op });
  let nav = "", main = "<h2>" + esc(spec.info.title) + "</h2><p>" + esc(spec.info.description || "") + "</p>";
  for (const [tag, ops] of Object.entries(groups)) {
    nav += "<h2>" + esc(tag) + "</h2>";
    for (const { path, method, op } of ops) {
      const id = (method + path).replace(/[^a-z0-9]+/gi, "-");
      nav += '<a href="#' + id + '"><b>' + method.toUpperCase() + "</b> " + esc(path) + "</a>";
      let h = '<section class="op" id="' + id + '"><h3>' + esc(op.summary || "") + '</h3><div><span class="m ' + method + '">' + method.toUpperCase() + '</span><span class="path">' + esc(path) + "</span></div>";
      if (op.description) h += "<p>" + esc(op.description) + "</p>";
      const auth = (op.security || []).map((s) => Object.keys(s)[0]).join(", ");
      if (auth) h += '<p class="desc">Auth: <code>' + esc(auth) + "</code> (Authorization: Bearer …)</p>";
      if (op.parameters && op.parameters.length) {
        h += "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th></tr>";
        for (const p of op.parameters) h += "<tr><td><code>" + esc(p.name) + "</code>" + (p.required ? '<span class="req">*</span>' : "") + "</td><td>" + esc(p.in) + "</td><td>" + esc(typeOf(p.schema)) + "</td></tr>";
        h += "</table>";
      }
      const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
      if (body) h += '<h4>Request body</h4><div class="tree">' + tree(body.schema) + "</div>";
      h += "<h4>Responses</h4>";
      for (const [code, r] of Object.entries(op.responses || {})) {
        const sch = r.content && r.content["application/json"] && r.content["application/json"].schema;
        h += "<div><code>" + esc(code) + "</code> " + esc(r.description) + (sch && code < 300 ? '<div class="tree">' + tree(sch) + "</div>" : "") + "</div>";
      }
      const url = location.origin + path.replace(/{(\\w+)}/g, ":$1");
      let curl = "curl -X " + method.toUpperCase() + " " + url + (auth ? " \\\\\\n  -H 'Authorization: Bearer $KEY'" : "");
      if (body) curl += " \\\\\\n  -H 'content-type: application/json' \\\\\\n  -d '" + JSON.stringify(example(body.schema)) + "'";
      h += "<h4>Example</h4><pre>" + esc(curl) + "</pre></section>";
      main += h;
    }
  }
  document.getElementById("nav").insertAdjacentHTML("beforeend", nav);
  document.getElementById("main").innerHTML = main;
})().catch((e) => { document.getElementById("main").textContent = "Could not load /openapi.json: " + e.message; });
</script>
</body>
</html>`;
