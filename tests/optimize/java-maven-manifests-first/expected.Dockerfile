FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
COPY pom.xml ./
RUN mvn -B dependency:go-offline
COPY . .
RUN mvn -B package -DskipTests

FROM eclipse-temurin:17-jre
WORKDIR /build
COPY --from=build /build/target/orders-1.2.0.jar /build/target/orders-1.2.0.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "target/orders-1.2.0.jar"]
