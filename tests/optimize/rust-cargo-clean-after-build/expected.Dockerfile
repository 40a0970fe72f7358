FROM rust:1.79 AS build
WORKDIR /src
COPY . .
RUN cargo install --path . --bin api
RUN cargo clean
RUN find /usr/local/cargo/bin/api -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} + > /tmp/ldd.txt 2>/dev/null; \
    awk '$3 ~ /^\// && !seen[$3]++ {print $3; if ($3 ~ /^\/lib/) print "/usr" $3}' /tmp/ldd.txt > /tmp/libs.txt; \
    xargs -r -a /tmp/libs.txt dpkg -S > /tmp/owners.txt 2>/dev/null; \
    awk -F: '!/^diversion/ && !seen[$1]++ {print $1}' /tmp/owners.txt > /tmp/runtime-packages.txt \
    && rm -f /tmp/ldd.txt /tmp/libs.txt /tmp/owners.txt

FROM debian:bookworm-slim
COPY --from=build /tmp/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
WORKDIR /src
COPY --from=build /usr/local/cargo/bin/api /usr/local/bin/api
EXPOSE 8080
CMD ["api"]
