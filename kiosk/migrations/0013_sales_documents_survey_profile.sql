-- Issue 15b: the payment's own date (from its NTPN or transfer proof) decides whether the
-- invoice was still valid; the NPWP stored is the 16-digit one since 2024 (0 + a legacy 15).
ALTER TABLE payments ADD COLUMN paid_on TEXT;
UPDATE guests SET npwp = '0' || npwp WHERE length(npwp) = 15 AND npwp NOT GLOB '*[^0-9]*';
UPDATE orders SET npwp = '0' || npwp WHERE length(npwp) = 15 AND npwp NOT GLOB '*[^0-9]*';
-- The seeds' documents as documents: the customer's statement of data use (abstraksi) as
-- text, when the data use agreement (SPPD) was printed for signature, and the customer's
-- check of each invoice (and sample): accepted, or a revision asked with what.
ALTER TABLE orders ADD COLUMN abstraksi_text TEXT;
ALTER TABLE orders ADD COLUMN sppd_printed_at TEXT;
ALTER TABLE invoices ADD COLUMN customer_check TEXT CHECK (customer_check IN ('accepted', 'revision'));
ALTER TABLE invoices ADD COLUMN customer_checked_at TEXT;
ALTER TABLE invoices ADD COLUMN customer_note TEXT;
-- The satisfaction survey's respondent profile (PermenPAN-RB 14/2017's questionnaire): age
-- group, gender, education, occupation; gender and education from the guestbook when known.
ALTER TABLE ratings ADD COLUMN age_group TEXT;
ALTER TABLE ratings ADD COLUMN gender TEXT;
ALTER TABLE ratings ADD COLUMN education TEXT;
ALTER TABLE ratings ADD COLUMN occupation TEXT;
