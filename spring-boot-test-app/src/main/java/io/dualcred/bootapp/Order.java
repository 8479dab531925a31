package io.dualcred.bootapp;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One order. */
@Entity
@Table(name = "orders")
public class Order {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    private String item;

    /** For JPA. */
    protected Order() {
    }

    /** @param item what was ordered */
    public Order(String item) {
        this.item = item;
    }

    /** @return the id */
    public Long getId() {
        return id;
    }

    /** @return what was ordered */
    public String getItem() {
        return item;
    }
}
