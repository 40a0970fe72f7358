FROM ubuntu:22.04 AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential \
        ca-certificates \
        libpq-dev \
        libssl-dev \
        zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/src
COPY . .
RUN make -j"$(nproc)" && make install PREFIX=/opt/pgbouncer-lite

FROM ubuntu:22.04
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends \
        ca-certificates \
        libpq5 \
        libssl3 \
        zlib1g \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/src
COPY --from=build /opt/pgbouncer-lite /opt/pgbouncer-lite
RUN groupadd -r app && useradd -r -g app app
USER app
EXPOSE 6432
VOLUME /var/lib/app
STOPSIGNAL SIGINT
ENTRYPOINT ["/opt/pgbouncer-lite/bin/pgbl"]
