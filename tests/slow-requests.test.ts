// Slow senders cannot hold connections: a request must arrive whole within
// REQUEST_TIMEOUT_MS (else 408 and the connection closes), and a verify call
// refused before its body is read is answered with `Connection: close` and the
// socket ended at once, however slowly the body still trickles in. Over real
// sockets, on a server of our own with a short timeout.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type Server } from "../scripts/lib/stack";

const TIMEOUT_MS = 1500;
let server: Server;

beforeAll(async () => {
  server = await startServer({
    databaseUrl: process.env.TEST_DATABASE_URL!,
    authSecret: process.env.TEST_AUTH_SECRET!,
    env: { REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), VERIFY_SERVICE_TOKENS: process.env.TEST_SERVICE_TOKEN!, LOG_LEVEL: "warn" },
  });
}, 120_000);
afterAll(() => server?.stop(), 30_000);

type Exchange = { response: string; respondedMs: number | null; closedMs: number | null };

/**
 * Send `head` and the start of a body, then one more byte every 100 ms (never finishing), and watch:
 * when the answer comes and when the server closes the connection (null: not within `watchMs`).
 */
function trickle(head: string, watchMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const out: Exchange = { response: "", respondedMs: null, closedMs: null };
    const socket = net.connect(server.port, "127.0.0.1");
    const drip = setInterval(() => socket.writable && socket.write("a"), 100);
    const done = () => {
      clearInterval(drip);
      clearTimeout(watch);
      socket.destroy();
      resolve(out);
    };
    const watch = setTimeout(done, watchMs);
    socket.on("data", (d) => {
      out.response += d.toString("latin1");
      out.respondedMs ??= Date.now() - started;
    });
    socket.on("error", () => {}); // a write after the server closed: ECONNRESET/EPIPE is the point
    socket.on("close", () => {
      out.closedMs = Date.now() - started;
      done();
    });
    socket.on("end", () => {
      out.closedMs ??= Date.now() - started;
      done();
    });
    socket.write(head + '{"key":"');
  });
}

describe("slow request bodies", () => {
  it("a body that never finishes gets 408 after REQUEST_TIMEOUT_MS and its connection is closed", async () => {
    const head = "POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n";
    const x = await trickle(head, TIMEOUT_MS + 5000);
    expect(x.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(x.respondedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(x.closedMs).not.toBeNull();
    expect(x.closedMs!).toBeLessThan(TIMEOUT_MS + 3000);
  }, 30_000);

  it("a verify call refused before its body is read (no service token) says Connection: close and the socket ends at once", async () => {
    const head = "POST /api/api-keys/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n";
    const x = await trickle(head, TIMEOUT_MS + 5000);
    expect(x.response).toMatch(/^HTTP\/1\.1 401 /);
    expect(x.response.toLowerCase()).toContain("connection: close");
    expect(x.response).toContain("Service.Unauthenticated");
    // Closed by the refusal itself, long before the request timeout would have.
    expect(x.closedMs).not.toBeNull();
    expect(x.closedMs!).toBeLessThan(TIMEOUT_MS / 2);
  }, 30_000);

  it("a verify call that is answered keeps its connection alive (the fast path is unchanged)", async () => {
    const body = JSON.stringify({ key: "dol_live_notakeyatall" });
    const request = `POST /api/api-keys/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-dolfin-service-token: ${process.env.TEST_SERVICE_TOKEN}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, "127.0.0.1");
      let got = "";
      let sent = 1;
      socket.on("error", reject);
      socket.on("data", (d) => {
        got += d.toString("latin1");
        const count = got.split("HTTP/1.1 200 ").length - 1;
        if (count === 1 && sent === 1) {
          sent = 2;
          socket.write(request); // the same connection, again
        } else if (count === 2) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.on("close", () => resolve(got));
      socket.write(request);
    });
    expect(answers.split("HTTP/1.1 200 ").length - 1).toBe(2);
    expect(answers.toLowerCase()).not.toContain("connection: close");
    expect(answers).toContain('"valid":false');
  }, 30_000);
});
