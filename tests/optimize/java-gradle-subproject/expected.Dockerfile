FROM gradle:8.7.0-jdk21 AS build
WORKDIR /build
COPY settings.gradle.kts build.gradle.kts ./
COPY server server
COPY common common
RUN gradle --no-daemon server:shadowJar

FROM eclipse-temurin:21-jre
WORKDIR /build
COPY --from=build /build/server/build/libs/server-all.jar /build/server/build/libs/server-all.jar
EXPOSE 9000
CMD ["java", "-jar", "server/build/libs/server-all.jar"]
