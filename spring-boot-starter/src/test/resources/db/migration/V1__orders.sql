CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, item TEXT NOT NULL);
-- Migrations run as their own user; the application's role owns what it uses.
ALTER TABLE orders OWNER TO ${owner};
