# sotong: one image for the API, the workers and the migration step.
#   docker build -t sotong .
#   docker run --rm sotong node dist/src/migrate.js     # migrations, then exit
#   docker run sotong                                    # API + workers in one process
#   docker run sotong node dist/src/server.js            # API only
#   docker run sotong node dist/src/worker.js            # workers only

# --- build: compile TypeScript to dist/ --------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- runtime: production dependencies and compiled code only -----------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# dist/ holds everything the program reads at run time: the build copies the data files of
# src/paths.ts (built-in departments, routing examples) beside the compiled code.
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
