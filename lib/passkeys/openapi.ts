// The OpenAPI operations of passkeys (assembled by lib/openapi/document.ts).
import { z } from "zod";
import type { ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { addedPasskeySchema, addPasskeySchema, passkeySchema, renamePasskeySchema } from "./schemas";

type Response = ZodOpenApiResponsesObject[`${1 | 2 | 3 | 4 | 5}${string}`];
type Common = Record<"401" | "429" | "503" | "default", Response> & ZodOpenApiResponsesObject;

const creationOptions = z
  .looseObject({ challenge: z.string(), rp: z.looseObject({ id: z.string().optional(), name: z.string() }), user: z.looseObject({ id: z.string(), name: z.string() }) })
  .meta({ id: "PasskeyRegistrationOptions", description: "PublicKeyCredentialCreationOptionsJSON (WebAuthn L3): pass to navigator.credentials.create (e.g. @simplewebauthn/browser's startRegistration)." });
const requestOptions = z
  .looseObject({ challenge: z.string(), rpId: z.string().optional(), allowCredentials: z.array(z.unknown()).optional(), userVerification: z.string().optional() })
  .meta({ id: "PasskeyAuthenticationOptions", description: "PublicKeyCredentialRequestOptionsJSON: pass to navigator.credentials.get (startAuthentication)." });
const idParam = z.object({ id: z.uuid().meta({ description: "The passkey's id." }) });

export function passkeyPaths(problem: (description: string) => Response, common: Common, bodyErrors: ZodOpenApiResponsesObject): ZodOpenApiPathsObject {
  const people: Record<string, string[]>[] = [{ BearerAuth: [] }, { SessionCookie: [] }];
  return {
    "/api/account/passkeys/options": {
      post: {
        operationId: "passkeyRegistrationOptions",
        tags: ["Auth"],
        summary: "Options for adding a passkey",
        description: "WebAuthn registration options (resident key and user verification required, your passkeys excluded). The challenge is kept on the server, works once and for 5 minutes. People only: an API key gets `403 Auth.NotUserScopedToken`.",
        security: people,
        responses: { "200": { description: "The options.", content: { "application/json": { schema: creationOptions } } }, ...common },
      },
    },
    "/api/account/passkeys": {
      post: {
        operationId: "addPasskey",
        tags: ["Auth"],
        summary: "Add a passkey",
        description:
          "Its name and the browser's answer to the options. The passkey then signs you in by itself, and is a second factor after your password. The first second factor of an account also gets ten recovery codes, in this answer only. You are emailed. Your passkeys are listed in `GET /api/account/two-factor`.",
        security: people,
        requestBody: { required: true, content: { "application/json": { schema: addPasskeySchema } } },
        responses: {
          "201": { description: "Added.", content: { "application/json": { schema: addedPasskeySchema } } },
          "400": problem("`Request.Invalid` (name), `Passkey.MalformedResponse` (not a WebAuthn response), or `Passkey.RegistrationFailed` (did not verify: wrong site, unknown, used or expired challenge, no user verification)."),
          "409": problem("`Passkey.AlreadyRegistered`."),
          ...bodyErrors,
          ...common,
        },
      },
    },
    "/api/account/passkeys/{id}": {
      patch: {
        operationId: "renamePasskey",
        tags: ["Auth"],
        summary: "Rename a passkey",
        security: people,
        requestParams: { path: idParam },
        requestBody: { required: true, content: { "application/json": { schema: renamePasskeySchema } } },
        responses: {
          "200": { description: "Renamed.", content: { "application/json": { schema: passkeySchema } } },
          "400": problem("`Request.Invalid`: a name of 1 to 64 characters."),
          "404": problem("`Passkey.NotFound`."),
          ...bodyErrors,
          ...common,
        },
      },
      delete: {
        operationId: "removePasskey",
        tags: ["Auth"],
        summary: "Remove a passkey",
        description: "With no second factor left, the recovery codes go too. You are emailed.",
        security: people,
        requestParams: { path: idParam },
        responses: { "204": { description: "Removed." }, "404": problem("`Passkey.NotFound`."), ...common },
      },
    },
    "/api/auth/reauthenticate/passkey-options": {
      post: {
        operationId: "reauthenticatePasskeyOptions",
        tags: ["Auth"],
        summary: "Options for proving it is you with a passkey",
        description:
          "WebAuthn authentication options for sudo mode: `allowCredentials` lists your passkeys, user verification is required, and the challenge is yours only, for re-authentication only (not a sign-in), works once and for 5 minutes; you may ask `RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE` times a minute (then `429` with `Retry-After`) and hold at most 5 live challenges (a new one replaces your oldest). Send the answer to `POST /api/auth/reauthenticate` as `{ \"passkey\": … }`. For the browser's session (a Bearer token gets `400 Auth.ReauthenticateWithToken`: get a new token instead).",
        security: [{ SessionCookie: [] }],
        responses: {
          "200": { description: "The options.", content: { "application/json": { schema: requestOptions } } },
          "400": problem("`Auth.ReauthenticateWithToken`: called with a Bearer token."),
          "404": problem("`Passkey.NotFound`: you have no passkey."),
          ...common,
        },
      },
    },
    "/api/auth/passkey/options": {
      post: {
        operationId: "passkeySignInOptions",
        tags: ["Auth"],
        summary: "Options for signing in with a passkey",
        description:
          "WebAuthn authentication options with an empty `allowCredentials` (the authenticator offers this site's passkeys: no email needed) and user verification required. The challenge works once, for 5 minutes. The browser then signs in through next-auth's `passkey` credentials provider with the answer as JSON text in `response`. Each address (an IPv6 address: its /64) may ask `RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE` times a minute (default 30; then `429` with `Retry-After`).",
        security: [{}],
        responses: { "200": { description: "The options.", content: { "application/json": { schema: requestOptions } } }, "429": common["429"], "503": common["503"], default: common.default },
      },
    },
  };
}
