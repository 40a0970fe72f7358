FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /srv
COPY pom.xml pom.xml
COPY src src
RUN mvn package -q

FROM eclipse-temurin:17-jre
WORKDIR /srv
COPY --from=build /srv/target/server/config /srv/target/server/config
COPY --from=build /srv/target/server/lib /srv/target/server/lib
WORKDIR /srv/target/server
EXPOSE 8080
CMD ["java", "-Xmx1G", "-cp", "/srv/target/server/config:/srv/target/server/lib/*", "com.example.Main"]
