-- Redirect URIs become a JSON array of exactly the strings registration validated. The
-- space-separated list could not hold a URI with a space in it, and splitting it again let
-- such a URI smuggle in a second one; rows that hold one now fail validation when read.

UPDATE clients SET redirect_uris = (
    SELECT COALESCE(json_agg(uri), '[]')::text
    FROM regexp_split_to_table(trim(clients.redirect_uris), ' +') AS uri
    WHERE uri <> ''
);
