package io.dualcred.bootapp;

import org.springframework.data.jpa.repository.JpaRepository;

/** Orders in PostgreSQL. */
public interface OrderRepository extends JpaRepository<Order, Long> {
}
