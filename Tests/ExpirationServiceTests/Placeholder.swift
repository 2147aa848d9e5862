// Placeholder until the expiration service's tests land.
