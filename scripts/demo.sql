-- SPDX-License-Identifier: ISC
--
-- scripts/demo.sql: the sample database `demo` for the demo and benchmarks.
--
--	mariadb --default-character-set=utf8mb4 <scripts/demo.sql
--
-- A small shop: customers, products, orders and order_items (2000, 200,
-- 5000 and about 10000 rows) with foreign keys, a view, a stored function,
-- a trigger and a table whose name is not a plain file name. Rows are
-- generated with WITH RECURSIVE from arithmetic on the row number, never
-- RAND() or NOW(), so every load gives the same data. A few hand-written rows
-- carry what breaks naive dump code: accents, ß, 日本語, emoji (4-byte
-- UTF-8), quotes, backslashes, tabs and newlines, NULLs and binary bytes.
--
-- It starts with DROP DATABASE IF EXISTS demo, so loading it again resets it.

SET NAMES utf8mb4;
SET SESSION max_recursive_iterations = 100000;

DROP DATABASE IF EXISTS demo;
CREATE DATABASE demo CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE demo;

CREATE TABLE customers (
	id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name VARCHAR(100) NOT NULL,
	email VARCHAR(190) NOT NULL UNIQUE,
	city VARCHAR(100) NOT NULL,
	country CHAR(2) NOT NULL,
	note TEXT NULL,
	created_at DATETIME NOT NULL,
	KEY country (country)
) ENGINE=InnoDB;

CREATE TABLE products (
	id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	sku CHAR(8) NOT NULL UNIQUE,
	name VARCHAR(200) NOT NULL,
	price DECIMAL(10,2) NOT NULL,
	weight_kg DOUBLE NULL,
	description TEXT NULL,
	thumbnail VARBINARY(64) NULL
) ENGINE=InnoDB;

CREATE TABLE orders (
	id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	customer_id INT UNSIGNED NOT NULL,
	ordered_at DATETIME NOT NULL,
	status ENUM('new', 'paid', 'shipped', 'cancelled') NOT NULL DEFAULT 'new',
	KEY ordered_at (ordered_at),
	CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE order_items (
	order_id INT UNSIGNED NOT NULL,
	line SMALLINT UNSIGNED NOT NULL,
	product_id INT UNSIGNED NOT NULL,
	quantity SMALLINT UNSIGNED NOT NULL,
	unit_price DECIMAL(10,2) NOT NULL,
	PRIMARY KEY (order_id, line),
	CONSTRAINT items_order FOREIGN KEY (order_id) REFERENCES orders (id),
	CONSTRAINT items_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB;

-- A name with a non-ASCII letter and a hyphen: backup files must encode it.
CREATE TABLE `café-menu` (
	id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
	dish VARCHAR(100) NOT NULL,
	price_eur DECIMAL(5,2) NULL
) ENGINE=InnoDB;

INSERT INTO customers (id, name, email, city, country, note, created_at) VALUES
	(1, 'Zoë Müller', 'zoe@example.com', 'Zürich', 'CH',
		'prefers "express" delivery', '2024-01-01 09:00:00'),
	(2, 'José Núñez', 'jose@example.es', 'Málaga', 'ES', NULL, '2024-01-01 09:05:00'),
	(3, 'Jürgen Weiß', 'juergen@example.de', 'Köln', 'DE',
		'Große Straße 5; files in C:\\Users\\jürgen\\', '2024-01-01 09:10:00'),
	(4, '山田 太郎', 'yamada@example.jp', '東京', 'JP',
		'日本語のメモ 😀', '2024-01-01 09:15:00'),
	(5, 'Siobhán O''Brien', 'siobhan@example.ie', 'Dublin', 'IE',
		'tab\there, newline\nthere, a lone \' quote', '2024-01-01 09:20:00'),
	(6, 'Robert''); DROP TABLE customers;--', 'bobby@example.com', 'Kraków', 'PL',
		'little Bobby Tables', '2024-01-01 09:25:00'),
	(7, 'Émilie Çelik 👩🏽‍💻', 'emilie@example.fr', 'Besançon', 'FR',
		'', '2024-01-01 09:30:00');

INSERT INTO customers (id, name, email, city, country, note, created_at)
WITH RECURSIVE seq (n) AS (SELECT 8 UNION ALL SELECT n + 1 FROM seq WHERE n < 2000)
SELECT n,
	CONCAT('Customer ', n),
	CONCAT('customer', n, '@example.com'),
	ELT(n % 6 + 1, 'Paris', 'Berlin', 'München', 'São Paulo', 'Reykjavík', 'Osaka'),
	ELT(n % 6 + 1, 'FR', 'DE', 'DE', 'BR', 'IS', 'JP'),
	IF(n % 10 = 0, CONCAT('note #', n, ': «regular» customer'), NULL),
	'2024-01-01 10:00:00' + INTERVAL n * 97 MINUTE
FROM seq;

INSERT INTO products (id, sku, name, price, weight_kg, description, thumbnail)
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 200)
SELECT n,
	CONCAT('SKU', LPAD(n, 5, '0')),
	CONCAT(ELT(n % 6 + 1, 'Kaffeebecher «Größe L»', 'Crème brûlée set',
		'抹茶 (matcha) 100 g', 'Mug 😀', 'Café "au lait" bowl',
		'Poster a\\b\\c'), ' #', n),
	1 + (n * 3719 % 10000) / 100,
	IF(n % 7 = 0, NULL, n * 0.125),
	IF(n % 3 = 0, NULL, REPEAT('Lorem ipsum dolor sit amet. ', 1 + n % 5)),
	IF(n % 4 = 0, UNHEX(CONCAT('00FF275C0A0D1A22', LPAD(HEX(n), 4, '0'))), NULL)
FROM seq;

INSERT INTO orders (id, customer_id, ordered_at, status)
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 5000)
SELECT n,
	1 + (n * 7919) % 2000,
	'2025-01-01 00:00:00' + INTERVAL n * 37 MINUTE,
	ELT(1 + (n * 13) % 4, 'new', 'paid', 'shipped', 'cancelled')
FROM seq;

-- One to three lines per order.
INSERT INTO order_items (order_id, line, product_id, quantity, unit_price)
WITH RECURSIVE seq (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < 14999)
SELECT s.n DIV 3 + 1, s.n % 3 + 1, p.id, 1 + s.n % 5, p.price
FROM seq s JOIN products p ON p.id = 1 + (s.n * 31) % 200
WHERE s.n % 3 < 1 + (s.n DIV 3) % 3;

INSERT INTO `café-menu` VALUES
	(1, 'Croque-monsieur', 8.50),
	(2, 'Käsespätzle', 11.00),
	(3, 'お茶 (green tea)', 3.20),
	(4, 'Soup of the day ¯\\_(ツ)_/¯', NULL);

CREATE VIEW order_totals AS
SELECT o.id AS order_id, c.name AS customer, o.status,
	SUM(i.quantity * i.unit_price) AS total
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN order_items i ON i.order_id = o.id
GROUP BY o.id, c.name, o.status;

CREATE FUNCTION order_total (order_no INT UNSIGNED) RETURNS DECIMAL(12,2)
	READS SQL DATA
	RETURN (SELECT SUM(quantity * unit_price) FROM order_items WHERE order_id = order_no);

CREATE TRIGGER order_items_quantity BEFORE INSERT ON order_items FOR EACH ROW
	SET NEW.quantity = GREATEST(NEW.quantity, 1);
