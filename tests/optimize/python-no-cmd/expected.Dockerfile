FROM python:3.12-alpine AS build
RUN apk add --no-cache build-base postgresql-dev
WORKDIR /usr/src/app
COPY requirements.txt .
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
RUN pip install -r requirements.txt

FROM python:3.12-alpine
RUN apk add --no-cache libpq
WORKDIR /usr/src/app
ENV PATH="/opt/venv/bin:$PATH"
COPY --from=build /opt/venv /opt/venv
ENV PYTHONUNBUFFERED=1
COPY . .
