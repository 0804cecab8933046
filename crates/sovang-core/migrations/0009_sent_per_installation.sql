-- 0009: what was sent is remembered per installation (its key fingerprint), not per unit:
-- two committee members of one unit each get every record. What was sent to a unit before
-- counts as sent to each of its trusted installations; the unit's own row stays for units
-- with no trusted installation yet.
INSERT OR IGNORE INTO sync_sent (destination, seq, bundle_id, at)
  SELECT t.fingerprint, s.seq, s.bundle_id, s.at
  FROM sync_sent s JOIN trusted_keys t ON t.unit = s.destination
  WHERE t.revoked_at IS NULL AND s.destination != '';
