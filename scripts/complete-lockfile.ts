/**
 * Completes package-lock.json with entries for platform-specific optional packages
 * (e.g. @biomejs/cli-darwin-arm64, @cloudflare/workerd-windows-64) that the registry
 * mirror this project is developed against does not serve. Without them `npm ci`
 * rejects the lockfile as out of sync. The added entries carry the os/cpu the package
 * targets, so npm skips them on other platforms and fetches them by name@version where
 * they apply. Run after changing dependencies: `npm run lock:complete`.
 * With `--check`, exits 1 if entries are missing (used by `npm run check`).
 */
import { readFileSync, writeFileSync } from "node:fs";

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
}

const OS: [RegExp, string][] = [
  [/darwin/, "darwin"],
  [/win32|windows/, "win32"],
  [/android/, "android"],
  [/freebsd/, "freebsd"],
  [/openbsd/, "openbsd"],
  [/netbsd/, "netbsd"],
  [/sunos/, "sunos"],
  [/aix/, "aix"],
  [/linux/, "linux"],
];
const CPU: [RegExp, string][] = [
  [/arm64|aarch64/, "arm64"],
  [/x64|-64\b|amd64/, "x64"],
  [/ia32|x86\b/, "ia32"],
  [/arm\b|armv7/, "arm"],
  [/ppc64/, "ppc64"],
  [/s390x/, "s390x"],
  [/riscv64/, "riscv64"],
  [/loong64/, "loong64"],
  [/mips64el/, "mips64el"],
];

function platformOf(name: string): Pick<LockEntry, "os" | "cpu" | "libc"> {
  const base = name.split("/").pop() ?? name;
  const os = OS.find(([re]) => re.test(base))?.[1];
  const cpu = CPU.find(([re]) => re.test(base))?.[1];
  const out: Pick<LockEntry, "os" | "cpu" | "libc"> = {};
  if (os) out.os = [os];
  if (cpu) out.cpu = [cpu];
  if (os === "linux") out.libc = [/musl/.test(base) ? "musl" : "glibc"];
  return out;
}

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8")) as { packages: Record<string, LockEntry> };
const missing: string[] = [];

/** The lock paths npm would search for `dep` from `where`: its own node_modules, then each ancestor's. */
function resolutionPaths(where: string, dep: string): string[] {
  const paths: string[] = [];
  let base = where;
  for (;;) {
    paths.push(`${base ? `${base}/` : ""}node_modules/${dep}`);
    if (!base) return paths;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}

// Shallow dependents first, so a shared version lands at the top level once.
const dependents = Object.entries(lock.packages).sort(
  ([a], [b]) => a.split("/node_modules/").length - b.split("/node_modules/").length,
);
for (const [where, entry] of dependents) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const candidates = resolutionPaths(where, dep);
    const found = candidates.find((p) => lock.packages[p]);
    const exact = /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version);
    // A range (e.g. fsevents@~2.3.3) is satisfied by whatever npm placed; exact pins must match.
    if (found && (!exact || lock.packages[found]?.version === version)) continue;
    // Nothing resolvable: place it at the top, or next to the dependent if the top holds another version.
    const target = found ? (candidates[0] ?? "") : (candidates.at(-1) ?? "");
    missing.push(`${dep}@${version}`);
    lock.packages[target] = {
      version: version.replace(/^[~^>=\s]+/, ""),
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platformOf(dep),
    };
  }
}

if (process.argv.includes("--check")) {
  if (missing.length) {
    console.error(
      `package-lock.json lacks ${missing.length} optional platform packages; run \`npm run lock:complete\`.`,
    );
    process.exit(1);
  }
} else {
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(
    missing.length ? `added ${missing.length} entries: ${missing.join(", ")}` : "lockfile already complete",
  );
}
