# syntax=docker/dockerfile:1.7
# kstreams-scaler container image.
#   build:     npm ci + the TypeScript build
#   prod-deps: production dependencies only
#   runtime:   distroless Node 24 LTS: no shell, no package manager, non-root;
#              its entrypoint is node itself, so node is PID 1 and gets SIGTERM.
ARG NODE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts only fetch a local Node binary and buf, which the build does not need.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY proto ./proto
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${RUNTIME_IMAGE} AS runtime
LABEL org.opencontainers.image.title="kstreams-scaler" \
      org.opencontainers.image.description="KEDA external scaler for Kafka Streams applications and Kafka consumer groups" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.source="https://github.com/kstreams-scaler/kstreams-scaler" \
      org.opencontainers.image.documentation="https://github.com/kstreams-scaler/kstreams-scaler#readme" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV NODE_ENV=production
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at run time by gRPC server reflection.
COPY proto ./proto
# The status page, served as static files (uPlot comes from node_modules).
COPY web ./web
COPY package.json ./
USER nonroot
EXPOSE 9090 8080
CMD ["--disable-warning=TimeoutNegativeWarning", "dist/main.js"]
