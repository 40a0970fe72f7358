FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /act
COPY pom.xml pom.xml
COPY src src
RUN mvn package -q
WORKDIR /act/target/dist
RUN tar xzf *.tar.gz

FROM eclipse-temurin:17-jre
WORKDIR /act
COPY --from=build /act/target/dist/classes /act/target/dist/classes
COPY --from=build /act/target/dist/lib /act/target/dist/lib
WORKDIR /act/target/dist
EXPOSE 5460
CMD ["java", "-Dapp.mode=prod", "-cp", "/act/target/dist/classes:/act/target/dist/lib/*", "com.example.App"]
