FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# sources and modules
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/api ./cmd/api

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /src
COPY --from=build /usr/local/bin/api /usr/local/bin/api
EXPOSE 8080
CMD ["api"]
