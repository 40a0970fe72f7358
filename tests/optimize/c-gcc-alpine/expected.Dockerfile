FROM alpine:3.20 AS build
RUN apk add --no-cache build-base zlib-dev
WORKDIR /src
COPY gzcat.c .
RUN gcc -O2 -o /usr/local/bin/gzcat gzcat.c -lz

FROM alpine:3.20
RUN apk add --no-cache zlib
WORKDIR /src
COPY --from=build /usr/local/bin/gzcat /usr/local/bin/gzcat
ENTRYPOINT ["gzcat"]
