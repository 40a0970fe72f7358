FROM node AS build
WORKDIR /app
COPY . .
RUN npm ci
RUN npx tsc
RUN npm prune --omit=dev

FROM node:slim
WORKDIR /app
COPY --from=build /app/build /app/build
COPY --from=build /app/node_modules /app/node_modules
COPY --from=build /app/package.json /app/package.json
ENTRYPOINT ["node", "/app/build/index.js"]
