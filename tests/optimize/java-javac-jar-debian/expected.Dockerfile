FROM debian:bookworm-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends default-jdk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY src/ src/
RUN javac -d classes $(find src -name '*.java') \
    && jar --create --file app.jar --main-class com.example.Main -C classes .

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends default-jre-headless \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/app.jar /app/app.jar
CMD ["java", "-jar", "app.jar"]
