FROM golang:1.21-alpine AS build
RUN apk add --no-cache git
WORKDIR /app
COPY go.mod go.sum* /app/
RUN go mod download && go mod verify
COPY . /app
RUN go build -o server .

FROM alpine:3
WORKDIR /app
COPY --from=build /app/server /app/server
CMD ["/app/server"]
