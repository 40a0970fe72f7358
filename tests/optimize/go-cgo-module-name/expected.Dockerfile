# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM golang:${GO_VERSION}-bookworm AS build
ENV GOFLAGS=-mod=vendor
WORKDIR /app
COPY go.mod go.sum ./
COPY vendor/ vendor/
COPY . .
RUN go build -v
RUN find /app/shop /app/templates -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} + > /tmp/ldd.txt 2>/dev/null; \
    awk '$3 ~ /^\// && !seen[$3]++ {print $3; if ($3 ~ /^\/lib/) print "/usr" $3}' /tmp/ldd.txt > /tmp/libs.txt; \
    xargs -r -a /tmp/libs.txt dpkg -S > /tmp/owners.txt 2>/dev/null; \
    awk -F: '!/^diversion/ && !seen[$1]++ {print $1}' /tmp/owners.txt > /tmp/runtime-packages.txt \
    && rm -f /tmp/ldd.txt /tmp/libs.txt /tmp/owners.txt

FROM debian:bookworm-slim
COPY --from=build /tmp/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
ENV GOFLAGS=-mod=vendor
WORKDIR /app
COPY --from=build /app/shop /app/shop
COPY --from=build /app/templates /app/templates
LABEL org.opencontainers.image.source="https://example.com/shop"
HEALTHCHECK CMD ["./shop", "-health"]
CMD ["./shop"]
