// Placeholder until the expiration service lands.
