FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /svc
COPY pom.xml pom.xml
COPY src src
RUN mvn package -q

FROM eclipse-temurin:21-jre
WORKDIR /svc
COPY --from=build /svc/target/modules /svc/target/modules
EXPOSE 8080
CMD ["java", "-XX:+UseParallelGC", "-p", "./target/modules/", "-m", "com.example.app"]
