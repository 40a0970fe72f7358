FROM crystallang/crystal:1.14.0 AS build

WORKDIR /srv/app

# dependencies first, for the layer cache
COPY shard.yml shard.lock ./
RUN shards install --production

COPY src src
RUN crystal build --release --no-debug src/server.cr -o server
RUN find /srv/app/server -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} + > /tmp/ldd.txt 2>/dev/null; \
    awk '$3 ~ /^\// && !seen[$3]++ {print $3; if ($3 ~ /^\/lib/) print "/usr" $3}' /tmp/ldd.txt > /tmp/libs.txt; \
    xargs -r -a /tmp/libs.txt dpkg -S > /tmp/owners.txt 2>/dev/null; \
    awk -F: '!/^diversion/ && !seen[$1]++ {print $1}' /tmp/owners.txt > /tmp/runtime-packages.txt \
    && rm -f /tmp/ldd.txt /tmp/libs.txt /tmp/owners.txt

FROM ubuntu:24.04
COPY --from=build /tmp/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt

WORKDIR /srv/app
COPY --from=build /srv/app/server /srv/app/server

ENV PORT=3000
EXPOSE 3000
CMD ["./server"]
