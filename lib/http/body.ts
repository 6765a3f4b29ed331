// Reading a JSON request body safely: content type, size and syntax are
// checked before any parsing, and each failure is a precise problem.
import { ApiError, Problems } from "./problem";

export const MAX_BODY_BYTES = 16 * 1024;

const tooLargeFor = (max: number) =>
  new ApiError({ status: 413, code: "Request.TooLarge", title: "Request body too large", detail: `The body may be at most ${max} bytes.` });

/** 413 at once, before reading a byte, when Content-Length says the body is over `maxBytes`. */
export function assertDeclaredSize(req: Request, maxBytes: number): void {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLargeFor(maxBytes);
}

/** The body's exact bytes, at most `maxBytes` (413 above it, whatever Content-Length claimed): for signatures over the raw body. */
export async function readBodyBytes(req: Request, maxBytes: number): Promise<Buffer> {
  assertDeclaredSize(req, maxBytes);
  // Read at most maxBytes + 1 bytes.
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLargeFor(maxBytes);
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks);
}

/**
 * At most `total` bodies read at once, at most `perAddress` of them for one
 * address (in this process): a sender of slow, half-sent bodies holds a bounded
 * amount of memory (each read ends within REQUEST_TIMEOUT_MS anyway). `enter`
 * answers a release function, or throws at once, reading nothing: 429 for the
 * address's share spent, 503 when every slot is taken.
 */
export class BodyReadGate {
  private reading = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: { total: number; perAddress: number }) {}

  enter(address: string | null): () => void {
    const mine = address === null ? 0 : (this.byAddress.get(address) ?? 0);
    if (address !== null && mine >= this.limits.perAddress) {
      throw new ApiError({
        status: 429,
        code: "RateLimit.Exceeded",
        title: "Too many requests",
        detail: `At most ${this.limits.perAddress} bodies are read at once per address. Retry when one is done.`,
        headers: { "retry-after": "1" },
      });
    }
    if (this.reading >= this.limits.total) {
      throw new ApiError({ status: 503, code: "Service.Busy", title: "Busy", detail: "Too many bodies are being read at once. Retry shortly.", headers: { "retry-after": "1" } });
    }
    this.reading++;
    if (address !== null) this.byAddress.set(address, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reading--;
      if (address === null) return;
      const n = (this.byAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.byAddress.delete(address);
      else this.byAddress.set(address, n);
    };
  }

  /** Bodies being read now (for tests). */
  get size(): number {
    return this.reading;
  }
}

/** UTF-8 JSON from bytes already read: 400 Request.MalformedJson when it is not. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError({ status: 400, code: "Request.MalformedJson", title: "Malformed JSON", detail: "The body is not valid UTF-8." });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError({ status: 400, code: "Request.MalformedJson", title: "Malformed JSON", detail: "The body is not valid JSON." });
  }
}

export async function readJsonBody(req: Request, opts: { optional?: boolean } = {}): Promise<unknown> {
  const bytes = await readBodyBytes(req, MAX_BODY_BYTES);
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();

  if (bytes.length === 0) {
    if (opts.optional) return {};
    throw Problems.invalid("A JSON object body is required.");
  }
  if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new ApiError({
      status: 415,
      code: "Request.UnsupportedMediaType",
      title: "Unsupported media type",
      detail: "Send the body as application/json.",
      headers: { accept: "application/json" },
    });
  }
  return parseJsonBytes(bytes);
}
