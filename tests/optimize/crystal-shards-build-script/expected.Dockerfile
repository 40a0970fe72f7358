FROM crystallang/crystal:1.11.2 AS build

WORKDIR /opt/bench
COPY shard.yml shard.yml
RUN shards install

COPY src src
COPY start.sh start.sh

ENV GC_MARKERS=1
RUN shards build --release --no-debug
RUN find /opt/bench/bin/bench-server -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} + > /tmp/ldd.txt 2>/dev/null; \
    awk '$3 ~ /^\// && !seen[$3]++ {print $3; if ($3 ~ /^\/lib/) print "/usr" $3}' /tmp/ldd.txt > /tmp/libs.txt; \
    xargs -r -a /tmp/libs.txt dpkg -S > /tmp/owners.txt 2>/dev/null; \
    awk -F: '!/^diversion/ && !seen[$1]++ {print $1}' /tmp/owners.txt > /tmp/runtime-packages.txt \
    && rm -f /tmp/ldd.txt /tmp/libs.txt /tmp/owners.txt

FROM ubuntu:20.04
COPY --from=build /tmp/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt

WORKDIR /opt/bench
COPY start.sh start.sh

ENV GC_MARKERS=1
COPY --from=build /opt/bench/bin/bench-server /opt/bench/bin/bench-server

EXPOSE 8080

CMD bash start.sh
