-- Accounts. The email is stored normalised (trimmed, lowercased) by the worker, so the
-- unique key is what makes "one account per email" hold under concurrent sign-ups.
CREATE TABLE auth.users (
    id uuid PRIMARY KEY,
    email text NOT NULL UNIQUE CHECK (email = lower(btrim(email))),
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
