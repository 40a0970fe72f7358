FROM clojure:lein-2.8.1 AS build
WORKDIR /app
COPY project.clj project.clj
COPY src src
COPY resources resources
RUN lein uberjar

FROM eclipse-temurin:8-jre
WORKDIR /app
COPY --from=build /app/target/app-standalone.jar /app/target/app-standalone.jar
EXPOSE 3000
CMD ["java", "-server", "-jar", "target/app-standalone.jar"]
