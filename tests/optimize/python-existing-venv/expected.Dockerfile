FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        python3 python3-venv python3-dev gcc libxml2-dev libxslt1-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /venv
ENV PATH="/venv/bin:$PATH"
WORKDIR /srv
COPY requirements.txt ./
RUN pip install -r requirements.txt

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        python3 libpython3.11 libxml2 libxslt1.1 \
    && rm -rf /var/lib/apt/lists/*
ENV PATH="/venv/bin:$PATH"
WORKDIR /srv
COPY --from=build /venv /venv
COPY scraper.py ./
CMD ["python", "scraper.py"]
