FROM golang:1.22-alpine AS build
ENV CGO_ENABLED=0
WORKDIR /src
COPY . .
RUN go build -o /src/server .

FROM debian:bookworm-slim
ENV CGO_ENABLED=0
WORKDIR /src
COPY --from=build /src/server /src/server
EXPOSE 8080
CMD /src/server -port 8080
