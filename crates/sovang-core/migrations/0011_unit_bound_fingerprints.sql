-- 0011: a fingerprint covers the key and its unit (SHA-256 of the key followed by the unit's
-- code), so a card edited to claim another unit no longer shows the fingerprint its owner
-- reads out. Each trusted key gets its new fingerprint, and every row that names an
-- installation by its fingerprint follows, this installation's own included (its bundles can
-- come back to it). The old form is the fingerprint of the key with no unit. Committees name
-- their members by fingerprint in their synced bodies, which no installation may rewrite
-- alone: the old form still names a member's key there (`sync::identity::KeyId`).
CREATE TEMP TABLE fingerprint_map AS
  SELECT fingerprint AS old, coalesce(sovang_fingerprint(public_key, unit), fingerprint) AS new
  FROM trusted_keys;
INSERT INTO temp.fingerprint_map (old, new)
  SELECT sovang_fingerprint(k.pk, ''), sovang_fingerprint(k.pk, k.unit)
  FROM (SELECT sovang_public_key(s.value) AS pk, u.value AS unit
        FROM meta s JOIN meta u ON s.key = 'signing_key' AND u.key = 'unit') k
  WHERE k.pk IS NOT NULL;
UPDATE trusted_keys SET fingerprint = (SELECT new FROM temp.fingerprint_map WHERE old = fingerprint)
  WHERE fingerprint IN (SELECT old FROM temp.fingerprint_map);
UPDATE sync_sent SET destination = (SELECT new FROM temp.fingerprint_map WHERE old = destination)
  WHERE destination IN (SELECT old FROM temp.fingerprint_map);
UPDATE sync_received SET origin = (SELECT new FROM temp.fingerprint_map WHERE old = origin)
  WHERE origin IN (SELECT old FROM temp.fingerprint_map);
UPDATE sync_imports SET fingerprint = (SELECT new FROM temp.fingerprint_map WHERE old = fingerprint)
  WHERE fingerprint IN (SELECT old FROM temp.fingerprint_map);
UPDATE sync_held SET signer_key = (SELECT new FROM temp.fingerprint_map WHERE old = signer_key)
  WHERE signer_key IN (SELECT old FROM temp.fingerprint_map);
UPDATE audit SET signer = (SELECT new FROM temp.fingerprint_map WHERE old = signer)
  WHERE signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE units SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE people SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE entries SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE projects SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE project_updates SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE campaigns SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE campaign_targets SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE nominations SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE committees SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE transitions SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE scores SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
UPDATE decisions SET import_signer = (SELECT new FROM temp.fingerprint_map WHERE old = import_signer)
  WHERE import_signer IN (SELECT old FROM temp.fingerprint_map);
DROP TABLE temp.fingerprint_map;
