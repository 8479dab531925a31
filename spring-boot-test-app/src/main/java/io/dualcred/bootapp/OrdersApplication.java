package io.dualcred.bootapp;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small orders service as a Spring team writes it: JPA for orders, Redis for a counter, Flyway for the schema,
 * Actuator with Prometheus. It contains no dualcred code; dualcred comes in through its starter and two properties.
 */
@SpringBootApplication
public class OrdersApplication {

    /** @param args Spring Boot arguments */
    public static void main(String[] args) {
        SpringApplication.run(OrdersApplication.class, args);
    }
}
