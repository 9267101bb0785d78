-- RFC 8707 resource indicators: the resource a grant's tokens are meant for (NULL: any).

ALTER TABLE grants ADD COLUMN resource TEXT;
ALTER TABLE authorization_codes ADD COLUMN resource TEXT;
