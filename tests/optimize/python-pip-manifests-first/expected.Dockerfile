FROM python:3.12 AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
COPY requirements.txt ./
RUN pip install --no-cache-dir --upgrade pip \
    && pip install --no-cache-dir -r requirements.txt
COPY . .
RUN find /opt/venv -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} + > /tmp/ldd.txt 2>/dev/null; \
    awk '$3 ~ /^\// && !seen[$3]++ {print $3; if ($3 ~ /^\/lib/) print "/usr" $3}' /tmp/ldd.txt > /tmp/libs.txt; \
    xargs -r -a /tmp/libs.txt dpkg -S > /tmp/owners.txt 2>/dev/null; \
    awk -F: '!/^diversion/ && !seen[$1]++ {print $1}' /tmp/owners.txt > /tmp/runtime-packages.txt \
    && rm -f /tmp/ldd.txt /tmp/libs.txt /tmp/owners.txt

FROM python:3.12-slim
COPY --from=build /tmp/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
WORKDIR /app
COPY . .
ENV PATH="/opt/venv/bin:$PATH"
COPY --from=build /opt/venv /opt/venv
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
