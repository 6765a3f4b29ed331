// Browser calls to our own API with the session cookie; errors arrive as problem details.
// A sensitive action refused for an old proof (403 Auth.ReauthenticationRequired, sudo mode) opens the
// shared re-authentication dialog (components/ui/reauth-dialog.tsx) and, once proven, is sent once more.
import { requestReauthentication } from "@/components/ui/reauth-dialog";

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly errors: Record<string, string[]> | undefined,
    detail: string,
  ) {
    super(detail);
  }
}

export type ApiFetchInit = { method?: string; body?: unknown; clientId?: string | null };

/** Pages call it through useApi(), which names the Client the page shows. */
export async function apiFetch<T>(path: string, init: ApiFetchInit = {}): Promise<T> {
  try {
    return await send<T>(path, init);
  } catch (err) {
    if (!(err instanceof ProblemError && err.code === "Auth.ReauthenticationRequired")) throw err;
    if (!(await requestReauthentication())) throw err; // cancelled: the caller shows the refusal
    return send<T>(path, init);
  }
}

async function send<T>(path: string, init: ApiFetchInit): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.clientId) headers["x-dolfin-client-id"] = init.clientId;
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
      headers,
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ProblemError(0, "Network.Error", undefined, "Could not reach the server. Check your connection and try again.");
  }
  if (res.status === 204) return undefined as T;
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    throw new ProblemError(res.status, body?.code ?? "Unknown", body?.errors, body?.detail ?? body?.title ?? `Request failed (${res.status}).`);
  }
  return body as T;
}
