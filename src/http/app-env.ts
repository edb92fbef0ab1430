import type { Scope } from "../auth/scopes";

/** Who is calling: resolved by the auth middleware from an API key or a JWT. */
export interface Principal {
  tenantId: string;
  /** The API key id, or null when the caller authenticated with a JWT. */
  keyId: string | null;
  scopes: readonly Scope[];
  via: "api_key" | "jwt";
}

/** Hono environment shared by every router: bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    principal: Principal;
    /** "openai": error bodies also carry OpenAI's `type` and `param` (set by the /v1 OpenAI routes). */
    errorStyle?: "openai";
  };
}
