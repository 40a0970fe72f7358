FROM haskell:9.4 AS build

RUN cabal update

WORKDIR /src/api
COPY api.cabal cabal.project ./
RUN cabal build --only-dependencies -j

COPY app app
COPY src src
RUN cabal install --install-method=copy --overwrite-policy=always
RUN install -D "$(command -v api-server)" /tmp/dist/api-server
RUN find /tmp/dist/api-server -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} + > /tmp/ldd.txt 2>/dev/null; \
    awk '$3 ~ /^\// && !seen[$3]++ {print $3; if ($3 ~ /^\/lib/) print "/usr" $3}' /tmp/ldd.txt > /tmp/libs.txt; \
    xargs -r -a /tmp/libs.txt dpkg -S > /tmp/owners.txt 2>/dev/null; \
    awk -F: '!/^diversion/ && !seen[$1]++ {print $1}' /tmp/owners.txt > /tmp/runtime-packages.txt \
    && rm -f /tmp/ldd.txt /tmp/libs.txt /tmp/owners.txt

FROM debian:bullseye-slim
COPY --from=build /tmp/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends ca-certificates libgmp10 netbase \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt

WORKDIR /src/api
COPY --from=build /tmp/dist/api-server /usr/local/bin/api-server

EXPOSE 8000
CMD ["api-server", "--port", "8000"]
