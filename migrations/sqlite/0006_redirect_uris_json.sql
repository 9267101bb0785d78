-- Redirect URIs become a JSON array of exactly the strings registration validated. The
-- space-separated list could not hold a URI with a space in it, and splitting it again let
-- such a URI smuggle in a second one; rows that hold one now fail validation when read.

UPDATE clients SET redirect_uris = (
    WITH RECURSIVE parts(uri, rest) AS (
        SELECT NULL, trim(clients.redirect_uris) || ' '
        UNION ALL
        SELECT substr(rest, 1, instr(rest, ' ') - 1), ltrim(substr(rest, instr(rest, ' ') + 1))
        FROM parts
        WHERE rest <> ''
    )
    SELECT json_group_array(uri) FROM parts WHERE uri IS NOT NULL AND uri <> ''
);
