FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /vertx
COPY src src
COPY pom.xml pom.xml
RUN mvn package -q

FROM eclipse-temurin:21-jre
WORKDIR /vertx
COPY --from=build /vertx/target/app-fat.jar /vertx/target/app-fat.jar
COPY --from=build /vertx/src/main/conf/config.json /vertx/src/main/conf/config.json
EXPOSE 8080
CMD export DBIP=`getent hosts database | awk '{ print $1 }'` && \
    sed -i "s|database|$DBIP|g" /vertx/src/main/conf/config.json && \
    java \
      -Xms1G \
      -Dvertx.disableMetrics=true \
      -jar \
      target/app-fat.jar \
      src/main/conf/config.json
