// Placeholder until the auth service lands.
