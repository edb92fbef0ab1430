import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Parses a dotenv-style file (KEY=VALUE, optional quotes, # comments). */
export function parseDevVars(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
    }
    out[key] = value;
  }
  return out;
}

/**
 * Makes sure `.dev.vars` holds an ADMIN_TOKEN: creates the file or appends a random
 * token, and never touches an existing one. Returns the file's variables.
 */
export function ensureDevVars(path: string): { vars: Record<string, string>; created: boolean } {
  const existing = existsSync(path) ? readFileSync(path, "utf8") : "";
  const vars = parseDevVars(existing);
  if (vars.ADMIN_TOKEN) return { vars, created: false };
  const token = `adm_${randomBytes(24).toString("base64url")}`;
  const header = existing
    ? existing.endsWith("\n")
      ? ""
      : "\n"
    : "# Local secrets and var overrides for edgerag (not committed).\n";
  writeFileSync(path, `${existing}${header}ADMIN_TOKEN=${token}\n`, { mode: 0o600 });
  return { vars: { ...vars, ADMIN_TOKEN: token }, created: true };
}
