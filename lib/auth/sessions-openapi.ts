// The OpenAPI operations of one's own sessions (assembled by lib/openapi/document.ts).
import { z } from "zod";
import type { ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { sessionListSchema } from "./session-schemas";

type Response = ZodOpenApiResponsesObject[`${1 | 2 | 3 | 4 | 5}${string}`];
type Common = Record<"401" | "429" | "503" | "default", Response> & ZodOpenApiResponsesObject;

export function sessionPaths(problem: (description: string) => Response, common: Common): ZodOpenApiPathsObject {
  const people: Record<string, string[]>[] = [{ BearerAuth: [] }, { SessionCookie: [] }];
  return {
    "/api/account/sessions": {
      get: {
        operationId: "listSessions",
        tags: ["Auth"],
        summary: "Your sessions",
        description:
          "Every live browser sign-in and Bearer token of yours, newest first; `current` marks the one making this request. People only (also one in no Client): an API key gets `403 Auth.NotUserScopedToken`.",
        security: people,
        responses: { "200": { description: "Your live sessions.", content: { "application/json": { schema: sessionListSchema } } }, ...common },
      },
    },
    "/api/account/sessions/{id}": {
      delete: {
        operationId: "endSession",
        tags: ["Auth"],
        summary: "End one session",
        description:
          "Ends one of your sessions: its cookie or token is refused with `401 Auth.SessionEnded` from its next request, on every instance. Another person's id, an unknown one or one already over is `404 Session.NotFound`.",
        security: people,
        requestParams: { path: sessionIdParams },
        responses: { "204": { description: "Ended." }, "404": problem("`Session.NotFound`: not a live session of yours."), ...common },
      },
    },
  };
}

const sessionIdParams = z.object({ id: z.string().meta({ description: "A session id from `GET /api/account/sessions`." }) });
