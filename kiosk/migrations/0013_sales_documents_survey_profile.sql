-- Issue 15b: the payment's own date (from its NTPN or transfer proof) decides whether the
-- invoice was still valid; the NPWP stored is the 16-digit one since 2024 (0 + a legacy 15).
ALTER TABLE payments ADD COLUMN paid_on TEXT;
UPDATE guests SET npwp = '0' || npwp WHERE length(npwp) = 15 AND npwp NOT GLOB '*[^0-9]*';
UPDATE orders SET npwp = '0' || npwp WHERE length(npwp) = 15 AND npwp NOT GLOB '*[^0-9]*';
