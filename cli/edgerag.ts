/**
 * The `edgerag` command: talks to a running edgerag over HTTP.
 *
 *   edgerag tenants create <id> [--name n] | tenants list
 *   edgerag keys create <tenant> [--scopes read,write] | keys list <tenant> | keys revoke <key-id>
 *   edgerag ingest <file-or-folder>… [--wait]
 *   edgerag search <query> [--mode hybrid|vector|keyword] [--top-k n] [--json]
 *   edgerag ask <question> [--session id] [--stream] [--json]
 *   edgerag eval <beir-folder> [--split test] [--mode keyword,vector,hybrid,hybrid+rerank] [--ingest] [--json]
 *
 * Global flags: --url (EDGERAG_URL), --key (EDGERAG_KEY), --admin (EDGERAG_ADMIN_TOKEN).
 * Inside a checkout where `npm start` ran, the demo key and admin token are found automatically.
 */
import { parseArgs } from "node:util";
import { ApiError, createClient, resolveConfig } from "./client";
import { keys, tenants } from "./commands/admin";
import { evalCommand } from "./commands/eval";
import { ingest } from "./commands/ingest";
import { ask, search } from "./commands/query";

type Flags = Record<string, string | boolean | undefined>;
type Command = (client: ReturnType<typeof createClient>, args: string[], flags: Flags) => Promise<unknown>;

const COMMANDS: Record<string, Command> = { tenants, keys, ingest, search, ask, eval: evalCommand };

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      key: { type: "string" },
      admin: { type: "string" },
      name: { type: "string" },
      scopes: { type: "string" },
      mode: { type: "string" },
      "top-k": { type: "string" },
      session: { type: "string" },
      wait: { type: "boolean" },
      split: { type: "string" },
      ingest: { type: "boolean" },
      stream: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [name, ...args] = positionals;
  const command = name ? COMMANDS[name] : undefined;
  if (!command || values.help) {
    console.log(
      "usage: edgerag <tenants|keys|ingest|search|ask|eval> … (see cli/edgerag.ts header or README for details)",
    );
    return name && !command ? 1 : 0;
  }
  const client = createClient(resolveConfig({ url: values.url, key: values.key, admin: values.admin }));
  const out = await command(client, args, values as Flags);
  if (out !== undefined && out !== "")
    console.log(typeof out === "string" ? out : JSON.stringify(out, null, 2));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ApiError) console.error(`error ${err.status} ${err.code}: ${err.message}`);
    else console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  },
);
