-- Stock per product and one reservation per order (its lines say what it holds).
CREATE TABLE stock (
    product_id text PRIMARY KEY CHECK (product_id ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    available  integer NOT NULL CHECK (available >= 0),
    reserved   integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reservations (
    order_id   text PRIMARY KEY CHECK (length(order_id) BETWEEN 1 AND 128),
    status     text NOT NULL CHECK (status IN ('reserved', 'rejected', 'released')),
    reason     text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reservation_lines (
    order_id   text NOT NULL REFERENCES reservations (order_id) ON DELETE CASCADE,
    product_id text NOT NULL REFERENCES stock (product_id),
    quantity   integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id)
);
