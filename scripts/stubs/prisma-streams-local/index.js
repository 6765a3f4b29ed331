throw new Error("@prisma/streams-local is stubbed out in this project (see package.json overrides): `prisma dev` is not used.");
