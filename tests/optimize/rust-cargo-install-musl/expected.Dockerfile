FROM rust:1.79-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /build
COPY . .
RUN cargo install --path . --root /usr/local --target x86_64-unknown-linux-musl

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /build
COPY --from=build /usr/local/bin/todo-cli /usr/local/bin/todo-cli
ENTRYPOINT ["todo-cli"]
CMD ["--help"]
