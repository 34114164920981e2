-- Every sample product of the catalog (stratus.shop.catalog.samples) is stocked, so a fresh
-- shop can take orders at once. A test checks this list against the catalog's samples.
INSERT INTO stock (product_id, available) VALUES
    ('coffee-mug', 100),
    ('notebook', 250),
    ('desk-lamp', 40),
    ('paper-clips', 500)
ON CONFLICT (product_id) DO NOTHING;
