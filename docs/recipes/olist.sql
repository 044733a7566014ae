-- The Olist classified-reviews sample (one row per order; times are Brazilian local time without offset;
-- no customer, seller, carrier or carrier-scan columns). What it can support: orders, shipments with their
-- approval and delivery times, one order line per order. What it cannot: carrier scans (tracking
-- activation, stale scans), contacts (WISMO rates, FCR, CSAT), exceptions, notifications — those KPIs
-- show "no data". A review is not a help-desk contact, so none is made from it.
-- Try: wismo check FOLDER --mapping olist.sql --as-of 2018-09-01T00:00:00Z

-- table: nodes  (the sample names no seller or warehouse: one node stands for the marketplace's sellers)
SELECT 'OLIST-SELLERS' AS node_id, 'Olist marketplace sellers' AS name, 'dropship' AS node_type, 'BR' AS region;

-- table: carriers  (no carrier column either)
SELECT 'OLIST-CARRIER' AS carrier_id, 'Carrier (not in the extract)' AS name;

-- table: orders  (no customer id in the sample: one per order, so repeat contacts cannot be told apart)
SELECT id AS order_id, 'olist-customer-' || id AS customer_id, 'marketplace' AS channel,
       strptime(order_purchase_timestamp, '%Y-%m-%d %H:%M:%S.%f') AT TIME ZONE 'America/Sao_Paulo' AS placed_at,
       strptime(order_estimated_delivery_date, '%Y-%m-%d %H:%M:%S.%f')::DATE AS promised_delivery_date,
       'ship' AS delivery_method,
       CASE WHEN order_status = 'canceled'
            THEN strptime(order_purchase_timestamp, '%Y-%m-%d %H:%M:%S.%f') AT TIME ZONE 'America/Sao_Paulo'
       END AS cancelled_at
FROM olist_classified_public_dataset WHERE id IS NOT NULL;

-- table: shipments  (approval stands for the label; the handover to the carrier is not in the sample)
SELECT 'S-' || id AS shipment_id, id AS order_id, 'OLIST-SELLERS' AS node_id, 'OLIST-CARRIER' AS carrier_id,
       'standard' AS service_level, 'OLIST-' || id AS tracking_number,
       strptime(order_aproved_at, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']) AT TIME ZONE 'America/Sao_Paulo'
           AS label_created_at,
       NULL AS shipped_at,
       strptime(order_delivered_customer_date, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
           AT TIME ZONE 'America/Sao_Paulo' AS delivered_at
FROM olist_classified_public_dataset
WHERE id IS NOT NULL AND order_aproved_at IS NOT NULL AND order_status IN ('shipped', 'delivered');

-- table: order_lines  (order_items_qty items, one line; delivered orders fulfilled, the rest unknown)
SELECT id AS order_id, '1' AS line_id, coalesce(product_category_name, 'unknown') AS sku,
       greatest(order_items_qty::INTEGER, 1) AS quantity, 'OLIST-SELLERS' AS node_id, true AS promised_from_stock,
       CASE WHEN order_status = 'delivered' AND order_delivered_customer_date IS NOT NULL THEN 'fulfilled' END
           AS line_outcome,
       CASE WHEN order_status = 'delivered' AND order_delivered_customer_date IS NOT NULL
            THEN strptime(order_delivered_customer_date, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])
                 AT TIME ZONE 'America/Sao_Paulo' END AS outcome_at,
       CASE WHEN order_aproved_at IS NOT NULL AND order_status IN ('shipped', 'delivered') THEN 'S-' || id END
           AS shipment_id
FROM olist_classified_public_dataset WHERE id IS NOT NULL;
