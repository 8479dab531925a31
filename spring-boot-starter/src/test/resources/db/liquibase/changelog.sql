--liquibase formatted sql

--changeset dualcred:1
CREATE TABLE invoices (id BIGSERIAL PRIMARY KEY);
ALTER TABLE invoices OWNER TO ${owner};
