import { z } from "zod";
import { ROLES } from "./permissions";

export const meSchema = z
  .strictObject({
    type: z.enum(["apiKey", "user"]),
    clientId: z.uuid(),
    apiKeyId: z.uuid().nullable(),
    userId: z.uuid().nullable(),
    role: z.enum(ROLES).nullable(),
  })
  .meta({ id: "Me" });
