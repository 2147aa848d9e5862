// Placeholder until the auth service's tests land.
