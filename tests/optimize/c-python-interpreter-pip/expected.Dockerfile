FROM buildpack-deps:bookworm AS build
ENV PATH /usr/local/bin:$PATH
ENV LANG C.UTF-8
RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends libbluetooth-dev tk-dev uuid-dev; \
	rm -rf /var/lib/apt/lists/*
ENV PYTHON_VERSION 3.12.7
RUN set -eux; \
	wget -O python.tar.xz "https://www.python.org/ftp/python/${PYTHON_VERSION}/Python-$PYTHON_VERSION.tar.xz"; \
	mkdir -p /usr/src/python; \
	tar --extract --directory /usr/src/python --strip-components=1 --file python.tar.xz; \
	rm python.tar.xz; \
	cd /usr/src/python; \
	./configure --enable-shared --with-ensurepip; \
	make -j "$(nproc)"; \
	make install; \
	cd /; \
	rm -rf /usr/src/python; \
	ldconfig; \
	pip3 install --no-cache-dir setuptools wheel
RUN find /usr/local -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} + > /tmp/ldd.txt 2>/dev/null; \
    awk '$3 ~ /^\// && !seen[$3]++ {print $3; if ($3 ~ /^\/lib/) print "/usr" $3}' /tmp/ldd.txt > /tmp/libs.txt; \
    xargs -r -a /tmp/libs.txt dpkg -S > /tmp/owners.txt 2>/dev/null; \
    awk -F: '!/^diversion/ && !seen[$1]++ {print $1}' /tmp/owners.txt > /tmp/runtime-packages.txt \
    && rm -f /tmp/ldd.txt /tmp/libs.txt /tmp/owners.txt

FROM debian:bookworm-slim
COPY --from=build /tmp/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends libbluetooth3 libtk8.6 libuuid1 \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
ENV PATH /usr/local/bin:$PATH
ENV LANG C.UTF-8
ENV PYTHON_VERSION 3.12.7
COPY --from=build /usr/local /usr/local
RUN ldconfig
CMD ["python3"]
