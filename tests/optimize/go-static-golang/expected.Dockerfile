FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/api ./cmd/api

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /src
COPY --from=build /out/api /out/api
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/out/api"]
