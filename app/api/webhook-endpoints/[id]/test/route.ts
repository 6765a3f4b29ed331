import { json, notAllowed, withUser } from "@/lib/http/route";
import { sendTestEvent } from "@/lib/webhooks/endpoints";

export const POST = withUser<{ id: string }>({ permission: "webhooks:manage" }, async ({ principal, params, meta }) => json(await sendTestEvent(principal, params.id, meta), { status: 202 }));

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
