// A software WebAuthn authenticator for tests: a P-256 key made with
// node:crypto, "none" attestation (CBOR via @simplewebauthn/server's helpers),
// user presence and verification flags, a signature counter; it answers
// registration and authentication options the way a browser would serialise
// them (RegistrationResponseJSON / AuthenticationResponseJSON).
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";

const b64u = (b: Uint8Array | Buffer) => Buffer.from(b).toString("base64url");
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest();
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  private readonly key: { privateKey: KeyObject; publicKey: KeyObject } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  signCount = 0;
  userHandle: string | null = null;
  constructor(readonly origin: string, readonly rpId = new URL(origin).hostname) {}

  get id(): string {
    return b64u(this.credentialId);
  }

  private cosePublicKey(): Buffer {
    const jwk = this.key.publicKey.export({ format: "jwk" });
    const m = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, "base64url")],
      [-3, Buffer.from(jwk.y!, "base64url")],
    ]);
    return Buffer.from(isoCBOR.encode(m));
  }

  /** Answer registration options (flags: user present + verified + attested data, unless `uv` is false). */
  register(options: { challenge: string; user?: { id: string } }, o: { origin?: string; uv?: boolean; challenge?: string } = {}) {
    this.userHandle = options.user?.id ?? null;
    const flags = 0x01 | (o.uv === false ? 0 : 0x04) | 0x40;
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([sha256(this.rpId), Buffer.from([flags]), u32(this.signCount), Buffer.alloc(16), idLen, this.credentialId, this.cosePublicKey()]);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]) as never);
    const clientDataJSON = JSON.stringify({ type: "webauthn.create", challenge: o.challenge ?? options.challenge, origin: o.origin ?? this.origin, crossOrigin: false });
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: { clientDataJSON: b64u(Buffer.from(clientDataJSON)), attestationObject: b64u(attestationObject), transports: ["internal"] },
      authenticatorAttachment: "platform" as const,
      clientExtensionResults: {},
    };
  }

  /** Answer authentication options: signs authenticatorData || sha256(clientDataJSON); the counter goes up first. */
  assert(options: { challenge: string }, o: { origin?: string; uv?: boolean; counter?: number; tamper?: boolean } = {}) {
    this.signCount = o.counter ?? this.signCount + 1;
    const flags = 0x01 | (o.uv === false ? 0 : 0x04);
    const authData = Buffer.concat([sha256(this.rpId), Buffer.from([flags]), u32(this.signCount)]);
    const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: o.origin ?? this.origin, crossOrigin: false }));
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), this.key.privateKey);
    if (o.tamper) signature[signature.length - 1] ^= 0x01;
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature), ...(this.userHandle ? { userHandle: this.userHandle } : {}) },
      authenticatorAttachment: "platform" as const,
      clientExtensionResults: {},
    };
  }
}
