FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
    g++ cmake ninja-build libsqlite3-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
    && cmake --build /build \
    && cp /build/feedd /usr/local/bin/feedd

FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 libcurl4 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/feedd /usr/local/bin/feedd
RUN useradd -m feed
USER feed
WORKDIR /home/feed
ENTRYPOINT ["feedd"]
CMD ["--db", "/home/feed/feeds.db"]
