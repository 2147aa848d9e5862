-- Accounts. The worker stores the email normalised (trimmed, lowercased), so the unique key
-- is what makes "one account per email" hold under concurrent sign-ups. No CHECK repeats the
-- normalisation: Postgres' lower() and Swift's differ on some letters, and a failing insert
-- would put the row, hash included, into the error the worker logs.
CREATE TABLE auth.users (
    id uuid PRIMARY KEY,
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
