FROM haskell:9.10.1-slim-bookworm AS build

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
COPY . .
RUN cabal update && cabal build exe:worker -O2
RUN cp "$(cabal list-bin worker)" /usr/local/bin/worker
RUN find /usr/local/bin/worker -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} + > /tmp/ldd.txt 2>/dev/null; \
    awk '$3 ~ /^\// && !seen[$3]++ {print $3; if ($3 ~ /^\/lib/) print "/usr" $3}' /tmp/ldd.txt > /tmp/libs.txt; \
    xargs -r -a /tmp/libs.txt dpkg -S > /tmp/owners.txt 2>/dev/null; \
    awk -F: '!/^diversion/ && !seen[$1]++ {print $1}' /tmp/owners.txt > /tmp/runtime-packages.txt \
    && rm -f /tmp/ldd.txt /tmp/libs.txt /tmp/owners.txt

FROM debian:bookworm-slim
COPY --from=build /tmp/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends ca-certificates libgmp10 netbase libpq5 \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt

WORKDIR /build
COPY --from=build /usr/local/bin/worker /usr/local/bin/worker

RUN useradd --system --uid 1001 worker
USER worker
CMD ["worker"]
