FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /app
COPY pom.xml pom.xml
COPY src src
RUN mvn package -q

FROM eclipse-temurin:21-jre
WORKDIR /app
COPY --from=build /app/target/app-standalone.jar /app/target/app-standalone.jar
EXPOSE 8080
CMD ["java", "-Dclojure.compiler.direct-linking=true", "-jar", "-Dlog.level=warn", "target/app-standalone.jar"]
