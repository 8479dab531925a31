package io.dualcred.bootapp;

import java.util.Map;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Places an order: one row through JPA, one counter in Redis, each request. */
@RestController
public class OrderController {

    private final OrderRepository orders;
    private final StringRedisTemplate redis;

    OrderController(OrderRepository orders, StringRedisTemplate redis) {
        this.orders = orders;
        this.redis = redis;
    }

    /**
     * @param item what is ordered
     * @return the order's id and how many of the item were ordered so far
     */
    @PostMapping("/orders/{item}")
    public Map<String, Object> place(@PathVariable("item") String item) {
        Order order = orders.save(new Order(item));
        Long count = redis.opsForValue().increment("ordered:" + item);
        return Map.of("id", order.getId(), "count", count);
    }
}
